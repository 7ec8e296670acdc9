/**
 * The message catalogues and the one way to put a Message into words. Chat, the console banner,
 * alerts and the daily report render through `t`/`say`; the engine and the monitor only build
 * Messages (message.ts). i18next does lookup, interpolation and plurals (`_one`/`_other` by
 * Intl.PluralRules: Japanese has only `_other`); typed parameters are rendered here first, so an
 * amount is exact and a list or a nested message is in the same language as its sentence.
 */
import i18next from 'i18next';
import { en } from './catalogue/en.js';
import { ja } from './catalogue/ja.js';
import type { MessageKey } from './catalogue/keys.js';
import { formatMoney, iso, splitSeconds } from './format.js';
import { DEFAULT_LOCALE, type Locale } from './locales.js';
import { isMessage, type Message, type MessageParam } from './message.js';

export { DEFAULT_LOCALE, LOCALES, isLocale, localeOf, terminalLanguage, type Locale } from './locales.js';
export { amountParam, durationParam, instantParam, lamportsParam, listParam, msg, type Message, type MessageParam } from './message.js';
export type { MessageKey } from './catalogue/keys.js';
export { formatCount, formatMoney, iso } from './format.js';
export { commandDescription, commandWords, groupDescription, groupWords, optionDescription } from './catalogue/commands.js';

export const catalogues = { en, ja } as const;

const i18n = i18next.createInstance();
void i18n.init({
  resources: { en: { translation: en }, ja: { translation: ja } },
  lng: DEFAULT_LOCALE,
  fallbackLng: DEFAULT_LOCALE,
  initAsync: false,
  nsSeparator: false,
  // Plain text for chats and terminals: nothing is HTML-escaped.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The text of `key` in `locale`, parameters rendered in that locale. */
export function t(locale: Locale, key: MessageKey, params: Readonly<Record<string, MessageParam>> = {}): string {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) values[name] = name === 'count' && typeof value === 'number' ? value : renderParam(locale, value);
  return i18n.t(key, { ...values, lng: locale }) as string;
}

/** A Message in words. */
export function say(locale: Locale, message: Message): string {
  return t(locale, message.key, message.params);
}

/** A translator bound to one locale, as a command receives it. */
export interface Translator {
  readonly locale: Locale;
  (key: MessageKey, params?: Readonly<Record<string, MessageParam>>): string;
  say(message: Message): string;
}

export function translator(locale: Locale): Translator {
  const fn = ((key: MessageKey, params?: Readonly<Record<string, MessageParam>>) => t(locale, key, params)) as Translator;
  Object.defineProperty(fn, 'locale', { value: locale });
  fn.say = (message: Message) => say(locale, message);
  return fn;
}

export function renderParam(locale: Locale, value: MessageParam): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (isMessage(value)) return say(locale, value);
  switch (value.kind) {
    case 'amount': {
      const n = formatMoney(value.base, value.decimals, locale, { grouped: value.grouped === true });
      return value.symbol === undefined ? n : `${n} ${value.symbol}`;
    }
    case 'duration': {
      if (value.coarse) {
        const ms = value.seconds * 1000;
        if (ms < 60_000) return t(locale, 'unit.seconds', { s: Math.max(0, Math.round(value.seconds)) });
        const minutes = Math.round(ms / 60_000);
        if (minutes < 60) return t(locale, 'unit.minutes', { m: minutes });
        return minutes % 60 === 0 ? t(locale, 'unit.hours', { h: Math.floor(minutes / 60) }) : t(locale, 'unit.hoursMinutes', { h: Math.floor(minutes / 60), m: minutes % 60 });
      }
      const d = splitSeconds(value.seconds);
      if (d.unit === 's') return t(locale, 'unit.seconds', { s: d.s });
      if (d.unit === 'ms') return t(locale, 'unit.minutesSeconds', { m: d.m, s: d.s });
      return t(locale, 'unit.hoursMinutes', { h: d.h, m: d.m });
    }
    case 'instant':
      return iso(value.ms);
    case 'list':
      return value.items.map((m) => say(locale, m)).join(t(locale, value.short ? 'unit.shortListSeparator' : 'unit.listSeparator'));
  }
}
