import { describe, expect, it } from 'vitest';
import { U64_MAX, formatAmount, parseAmount } from '../src/engine/amounts.js';
import { type TributaryError, isTributaryError } from '../src/engine/errors.js';

/** The TributaryError a call throws; fails the test if it throws anything else or nothing. */
function errorOf(fn: () => unknown): TributaryError {
  try {
    fn();
  } catch (e) {
    if (isTributaryError(e)) return e;
    throw e;
  }
  throw new Error('expected a TributaryError, nothing was thrown');
}

/** A deterministic xorshift so a failing property case can be replayed. */
function randomBigints(seed: number, count: number, max: bigint): bigint[] {
  let s = BigInt(seed) | 1n;
  const mask = 2n ** 64n - 1n;
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    s ^= (s << 13n) & mask;
    s ^= s >> 7n;
    s ^= (s << 17n) & mask;
    // Spread over magnitudes: small, medium and near-max values all occur.
    const bits = BigInt(i % 65);
    out.push(bits === 0n ? 0n : (s % 2n ** bits) % (max + 1n));
  }
  return out;
}

describe('parseAmount', () => {
  it('turns whole and decimal amounts into exact base units', () => {
    expect(parseAmount('1000', 6)).toBe(1_000_000_000n);
    expect(parseAmount('0.5', 9)).toBe(500_000_000n);
    expect(parseAmount('.5', 9)).toBe(500_000_000n);
    expect(parseAmount('5.', 2)).toBe(500n);
    expect(parseAmount('0.000000001', 9)).toBe(1n);
    expect(parseAmount('  42 ', 0)).toBe(42n);
    expect(parseAmount('007.10', 2)).toBe(710n);
  });

  it('accepts amounts that floats cannot hold exactly', () => {
    expect(parseAmount('0.1', 18)).toBe(100_000_000_000_000_000n);
    expect(parseAmount('9007199254740993', 0)).toBe(9_007_199_254_740_993n);
    expect(parseAmount('18446744073.709551615', 9)).toBe(U64_MAX);
  });

  it('refuses more decimals than the asset has, naming the count and the limit, instead of rounding', () => {
    const e = errorOf(() => parseAmount('1.0000001', 6, 'amount', { unit: 'USDC' }));
    expect(e.code).toBe('AMOUNT_TOO_PRECISE');
    expect(e.userMessage).toBe('amount "1.0000001" has 7 decimals; USDC allows at most 6');
    expect(errorOf(() => parseAmount('1.5', 0)).userMessage).toContain('has no decimals');
  });

  it('accepts trailing zeros beyond the asset decimals, because nothing is lost', () => {
    expect(parseAmount('1.50000000000', 9)).toBe(1_500_000_000n);
  });

  it('refuses zero unless zero is allowed', () => {
    expect(errorOf(() => parseAmount('0', 6)).code).toBe('AMOUNT_NOT_POSITIVE');
    expect(errorOf(() => parseAmount('0.000', 6)).code).toBe('AMOUNT_NOT_POSITIVE');
    expect(parseAmount('0', 6, 'min', { allowZero: true })).toBe(0n);
  });

  it('refuses negative amounts', () => {
    const e = errorOf(() => parseAmount('-5', 6));
    expect(e.code).toBe('AMOUNT_NOT_POSITIVE');
    expect(e.userMessage).toContain('negative');
  });

  it('refuses thousands separators and says to write digits only', () => {
    for (const text of ['1,000', '1 000', '1_000', '1,5', '1.000,50']) {
      const e = errorOf(() => parseAmount(text, 6));
      expect(e.code).toBe('AMOUNT_INVALID');
      expect(e.userMessage).toContain('separator');
    }
  });

  it('refuses exponent notation and says to write the number out', () => {
    const e = errorOf(() => parseAmount('1e6', 6));
    expect(e.code).toBe('AMOUNT_INVALID');
    expect(e.userMessage).toContain('exponent');
    expect(errorOf(() => parseAmount('1.5E+3', 6)).code).toBe('AMOUNT_INVALID');
  });

  it('refuses empty and non-numeric text', () => {
    for (const text of ['', '   ', '.', 'abc', '1.2.3', '+5', '0x10', 'Infinity', 'NaN', '１０', '5 SOL']) {
      expect(errorOf(() => parseAmount(text, 6)).code).toBe('AMOUNT_INVALID');
    }
  });

  it('refuses amounts larger than a token account can hold', () => {
    expect(parseAmount('18446744073709551615', 0)).toBe(U64_MAX);
    expect(errorOf(() => parseAmount('18446744073709551616', 0)).code).toBe('AMOUNT_TOO_LARGE');
    expect(errorOf(() => parseAmount('18446744073.709551616', 9)).code).toBe('AMOUNT_TOO_LARGE');
    expect(errorOf(() => parseAmount('9'.repeat(500), 6)).code).toBe('AMOUNT_TOO_LARGE');
  });

  it('names the field in its messages', () => {
    expect(errorOf(() => parseAmount('abc', 6, 'min')).userMessage).toMatch(/^min "abc" is not a number/);
  });

  it('does not repeat long non-numeric text, which may be a pasted secret', () => {
    const pasted = '4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw9V2A7xTp3M3dVkVzS3hmRmTrSr8s6NRhKsN2jDP1ZaKpV';
    const e = errorOf(() => parseAmount(pasted, 6));
    expect(e.userMessage).not.toContain(pasted.slice(0, 8));
    expect(e.userMessage).toContain('88 characters');
  });
});

describe('formatAmount', () => {
  it('renders base units as a decimal string without trailing zeros', () => {
    expect(formatAmount(1_500_000n, 6)).toBe('1.5');
    expect(formatAmount(1n, 9)).toBe('0.000000001');
    expect(formatAmount(1_000_000_000n, 6)).toBe('1000');
    expect(formatAmount(0n, 6)).toBe('0');
    expect(formatAmount(42n, 0)).toBe('42');
    expect(formatAmount(U64_MAX, 9)).toBe('18446744073.709551615');
    expect(formatAmount(-1_250n, 3)).toBe('-1.25');
  });

  it('round-trips with parseAmount for random amounts at every common decimals', () => {
    const values = randomBigints(20240601, 4000, U64_MAX);
    for (const [i, value] of values.entries()) {
      const decimals = i % 19;
      const text = formatAmount(value, decimals);
      expect(text).not.toMatch(/e|\.$|\.\d*0$/);
      expect(parseAmount(text, decimals, 'amount', { allowZero: true })).toBe(value);
    }
  });

  it('round-trips text that is already in its shortest form', () => {
    for (const text of ['1', '0.1', '123.456', '1000000', '0.000001']) expect(formatAmount(parseAmount(text, 6), 6)).toBe(text);
  });
});
