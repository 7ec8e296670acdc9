/**
 * Numbers in a locale's way, money exactly. An amount is base units and decimals: its digits are
 * cut at the decimal point as text (engine/amounts.ts) and grouped here, never passed through a float.
 */
import { formatAmount } from '../engine/amounts.js';
import type { Locale } from './locales.js';

const separators = new Map<Locale, { group: string; decimal: string }>();

function separatorsOf(locale: Locale): { group: string; decimal: string } {
  let s = separators.get(locale);
  if (!s) {
    const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
    s = { group: parts.find((p) => p.type === 'group')?.value ?? ',', decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.' };
    separators.set(locale, s);
  }
  return s;
}

export interface MoneyFormat {
  /**
   * Group the whole part by thousands in the locale's way. Default false: a reply's amounts are
   * written as commands accept them (digits and a dot, see parseAmount), so an operator can repeat
   * a total in `total:`; reports, read and never typed back, group them.
   */
  grouped?: boolean;
}

/** The one money formatter: base units -> "1234.5" (or "1,234.5" grouped), trailing zeros dropped. */
export function formatMoney(base: bigint | string, decimals: number, locale: Locale, opts: MoneyFormat = {}): string {
  const plain = formatAmount(typeof base === 'bigint' ? base : BigInt(base), decimals);
  if (!opts.grouped) return plain;
  const { group, decimal } = separatorsOf(locale);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(plain);
  if (!match) return plain;
  const whole = (match[2] ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${match[1] ?? ''}${whole}${match[3] ? `${decimal}${match[3]}` : ''}`;
}

/** A count with the locale's grouping: 30,000. */
export function formatCount(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(n);
}

/** Seconds to a whole-number split used by the catalogue's duration words. */
export function splitSeconds(seconds: number): { unit: 's'; s: number } | { unit: 'ms'; m: number; s: number } | { unit: 'hm'; h: number; m: number } {
  if (seconds < 60) return { unit: 's', s: Math.max(0, Math.round(seconds * 10) / 10) };
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return { unit: 'ms', m, s };
  return { unit: 'hm', h: Math.floor(m / 60), m: m % 60 };
}

/** An instant as people quote it back: 2026-01-02T03:04:05Z, the same in every locale. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
