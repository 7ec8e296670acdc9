/**
 * What the engine, the monitor and the chat layer say, before it is put into words: a catalogue key
 * and typed parameters. Amounts stay base units with their decimals until a locale renders them
 * (format.ts), so nothing on the way loses a digit; the words live only in the catalogues.
 */
import type { MessageKey } from './catalogue/keys.js';

/** Base units of an asset, exact. */
export interface AmountParam {
  readonly kind: 'amount';
  readonly base: bigint;
  readonly decimals: number;
  /** Shown after the number ("SOL", a token's symbol); none for a bare quantity. */
  readonly symbol?: string;
  /** Thousands grouped in the locale's way: for reports, read and never typed back (format.ts). */
  readonly grouped?: boolean;
}

/** A length of time, rendered in the locale's units. */
export interface DurationParam {
  readonly kind: 'duration';
  readonly seconds: number;
  /** Whole minutes and hours only ("15 min", "1 h 5 min"), for alert windows and how long an alert lasted. */
  readonly coarse?: boolean;
}

/** A moment, rendered as an ISO 8601 UTC time (the same in every locale: it is quoted back in commands and logs). */
export interface InstantParam {
  readonly kind: 'instant';
  readonly ms: number;
}

/** Several messages read as one list ("a; b" in English, "a、b" in Japanese; "a, b" for short names with `short`). */
export interface ListParam {
  readonly kind: 'list';
  readonly items: readonly Message[];
  readonly short?: boolean;
}

export type MessageParam = string | number | bigint | boolean | AmountParam | DurationParam | InstantParam | ListParam | Message;

export interface Message<K extends MessageKey = MessageKey> {
  readonly key: K;
  readonly params?: Readonly<Record<string, MessageParam>>;
}

export function msg<K extends MessageKey>(key: K, params?: Record<string, MessageParam>): Message<K> {
  return params === undefined ? { key } : { key, params };
}

export function amountParam(base: bigint, decimals: number, symbol?: string, opts: { grouped?: boolean } = {}): AmountParam {
  return { kind: 'amount', base, decimals, ...(symbol === undefined ? {} : { symbol }), ...(opts.grouped ? { grouped: true } : {}) };
}

export const lamportsParam = (lamports: bigint): AmountParam => amountParam(lamports, 9, 'SOL');

export function durationParam(seconds: number, opts: { coarse?: boolean } = {}): DurationParam {
  return opts.coarse ? { kind: 'duration', seconds, coarse: true } : { kind: 'duration', seconds };
}

export function instantParam(ms: number): InstantParam {
  return { kind: 'instant', ms };
}

export function listParam(items: readonly Message[], opts: { short?: boolean } = {}): ListParam {
  return opts.short ? { kind: 'list', items, short: true } : { kind: 'list', items };
}

export function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string' && !('kind' in value);
}
