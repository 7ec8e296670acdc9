/**
 * Decimal strings <-> base units, exactly (docs/invariants.md invariant 1). No float ever touches an amount:
 * the text is split at the decimal point and each part becomes a bigint.
 */
import { amountParam, msg, type MessageParam } from '../i18n/message.js';
import { TributaryError } from './errors.js';

/** Largest amount an SPL token account (and a lamport balance) can hold. */
export const U64_MAX = 2n ** 64n - 1n;

export interface ParseAmountOptions {
  /** Accept zero, e.g. for a minimum balance. Default false: an amount to pay must be more than zero. */
  allowZero?: boolean;
  /** The asset's name for messages ("SOL allows at most 9 decimals"). Default: "this token", in the reader's words. */
  unit?: string;
}

/**
 * Parses what a person typed into base units. Accepted: digits with at most one decimal point
 * ("1000", "0.5", ".5", "5."), surrounding spaces ignored.
 *
 * Refused, each with a message that says how to write it instead:
 * - thousands separators ("1,000", "1 000", "1_000"): "1,5" means 1.5 in half the world, and a
 *   misread separator moves money by a factor of 1000, so we ask instead of guessing;
 * - exponent notation ("1e6"), signs, anything non-numeric;
 * - more significant decimals than the asset has: too many decimals is an error, never a rounding.
 *   Trailing zeros beyond them ("1.50000000000") are accepted because nothing is lost;
 * - zero (unless `allowZero`), negative, and more than u64 can hold.
 *
 * @param what how the value is named in messages, e.g. "amount" or "min".
 */
export function parseAmount(text: string, decimals: number, what = 'amount', opts: ParseAmountOptions = {}): bigint {
  assertDecimals(decimals);
  const raw = text.trim();
  const unit = opts.unit ?? msg('err.amount.thisToken');
  const shown = show(raw);
  const invalid = (key: 'err.amount.exponent' | 'err.amount.separator' | 'err.amount.notNumber', details: Record<string, unknown> = {}) =>
    new TributaryError('AMOUNT_INVALID', msg(key, { what, shown }), { details: { what, ...details } });

  if (raw === '') throw new TributaryError('AMOUNT_INVALID', msg('err.amount.empty', { what }), { details: { what } });
  if (/^-\s*[\d.]/.test(raw)) {
    throw new TributaryError('AMOUNT_NOT_POSITIVE', msg(opts.allowZero ? 'err.amount.negativeOrZero' : 'err.amount.negative', { what, shown }), { details: { what } });
  }
  if (/^\+?[\d.]+[eE][+-]?\d+$/.test(raw)) throw invalid('err.amount.exponent');
  if (/^[\d.]+([,_\s'][\d.]+)+$/.test(raw)) {
    throw invalid('err.amount.separator');
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(raw);
  const intPart = match?.[1] ?? '';
  const fracPart = match?.[2] ?? '';
  if (!match || (intPart === '' && fracPart === '')) {
    throw invalid('err.amount.notNumber');
  }

  const significant = fracPart.replace(/0+$/, '');
  if (significant.length > decimals) {
    throw new TributaryError(
      'AMOUNT_TOO_PRECISE',
      msg(decimals === 0 ? 'err.amount.noDecimals' : 'err.amount.tooPrecise', { what, shown, given: significant.length, unit, decimals }),
      {
        details: { what, decimals, given: significant.length },
      },
    );
  }

  const whole = intPart.replace(/^0+/, '');
  // u64 max has 20 digits; stop before building a huge bigint from a pasted wall of digits.
  const tooLarge = () =>
    new TributaryError('AMOUNT_TOO_LARGE', msg('err.amount.tooLarge', { what, shown, unit, max: amountParam(U64_MAX, decimals) }), {
      details: { what, decimals },
    });
  if (whole.length > 20) throw tooLarge();
  const value = BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(significant.padEnd(decimals, '0') || '0');
  if (value > U64_MAX) throw tooLarge();
  if (value === 0n && !opts.allowZero) {
    throw new TributaryError('AMOUNT_NOT_POSITIVE', msg('err.amount.zero', { what, shown }), { details: { what } });
  }
  return value;
}

/** Base units -> decimal string: "1.5", "0.000001", "1000"; no trailing zeros, no exponent. */
export function formatAmount(base: bigint, decimals: number): string {
  assertDecimals(decimals);
  const sign = base < 0n ? '-' : '';
  const digits = (base < 0n ? -base : base).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return sign + whole + (frac ? `.${frac}` : '');
}

/** A mint's decimals are a u8; anything else is a bug in the caller, not a user's mistake. */
function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) throw new RangeError(`decimals must be an integer 0..255, got ${decimals}`);
}

/**
 * The user's text, quoted, for a message. Long non-numeric text is described, not echoed: someone who
 * pastes a secret key into the wrong field must not see it repeated in a channel.
 */
function show(raw: string): MessageParam {
  if (raw.length <= 24 || (raw.length <= 64 && /^[\d.,_\s'+-]*$/.test(raw))) return `"${raw}"`;
  return msg('err.amount.long', { length: raw.length });
}
