import type { en } from './en.js';

type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
type WithoutPlural<K extends string> = K extends `${infer Base}_${PluralSuffix}` ? Base : K;
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${WithoutPlural<K>}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** Every key of the English catalogue, plural forms as one key: a typo is a type error. */
export type MessageKey = Leaves<typeof en>;

/** A catalogue: nested sections of texts. Every language has the same keys (test/i18n-catalogue.test.ts). */
export interface Catalogue {
  readonly [key: string]: string | Catalogue;
}
