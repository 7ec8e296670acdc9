/**
 * Splits a total among holders so the shares sum to exactly the total (DESIGN.md invariant 2).
 * Largest-remainder (Hamilton) rounding: everyone gets the floor of their exact share, and the few
 * base units left over go one each to the largest fractional remainders. Bigint only.
 */
import { TributaryError } from './errors.js';
import type { Allocation, DistributionMode, Holder } from './types.js';

export interface AllocationResult {
  /** Recipients to pay, amount > 0; largest first, ties by holding then owner. */
  allocations: Allocation[];
  /**
   * Holders whose share rounds to zero base units. They are not paid, but listed so a preview can
   * say so instead of dropping them silently.
   */
  zeroShare: Allocation[];
}

/**
 * @param holders wallets after filters; owners must be unique (a snapshot merges them).
 * @param total base units to distribute, more than zero.
 * @param mode 'proportional' to holdings (default) or 'equal' shares.
 *
 * Deterministic: the same holders (in any order), total and mode give the same result. Ties for a
 * left-over unit go to the larger remainder, then the larger holding, then the lower owner address.
 * O(n log n): one sort for the left-overs, one for the output order.
 */
export function allocate(holders: readonly Holder[], total: bigint, mode: DistributionMode = 'proportional'): AllocationResult {
  if (total <= 0n) {
    throw new TributaryError('AMOUNT_NOT_POSITIVE', 'the amount to distribute must be more than zero', { details: { total: total.toString() } });
  }
  if (holders.length === 0) {
    throw new TributaryError('NO_RECIPIENTS', 'there is nobody to pay: no holder is left after the filters', { details: { mode } });
  }
  assertWellFormed(holders);

  const weights = holders.map((h) => (mode === 'equal' ? 1n : h.amount));
  const totalWeight = weights.reduce((a, b) => a + b, 0n);
  if (totalWeight === 0n) {
    throw new TributaryError('NO_RECIPIENTS', 'there is nobody to pay: the remaining holders hold nothing', { details: { mode } });
  }

  const shares = holders.map((holder, i) => {
    const exact = total * (weights[i] ?? 0n);
    return { holder, amount: exact / totalWeight, remainder: exact % totalWeight };
  });
  // Fewer than holders.length units are left over, because each floor loses less than one unit.
  let leftover = total - shares.reduce((sum, s) => sum + s.amount, 0n);
  const byRemainder = [...shares].sort(
    (a, b) => compareDesc(a.remainder, b.remainder) || compareDesc(a.holder.amount, b.holder.amount) || compareOwner(a.holder.owner, b.holder.owner),
  );
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    share.amount += 1n;
    leftover -= 1n;
  }

  const all: Allocation[] = shares
    .map(({ holder, amount }) => ({ owner: holder.owner, amount, holding: holder.amount, offCurve: holder.offCurve }))
    .sort((a, b) => compareDesc(a.amount, b.amount) || compareDesc(a.holding, b.holding) || compareOwner(a.owner, b.owner));
  const allocations = all.filter((a) => a.amount > 0n);
  const paid = allocations.reduce((sum, a) => sum + a.amount, 0n);
  if (paid !== total) throw new Error(`allocate: shares sum to ${paid}, not ${total}`); // cannot happen; guards the invariant
  return { allocations, zeroShare: all.filter((a) => a.amount === 0n) };
}

/** A duplicate owner would be paid twice; a negative holding is nonsense. Both are caller bugs. */
function assertWellFormed(holders: readonly Holder[]): void {
  const seen = new Set<string>();
  for (const h of holders) {
    if (h.amount < 0n) throw new Error(`allocate: holder ${h.owner} has a negative amount`);
    if (seen.has(h.owner)) throw new Error(`allocate: owner ${h.owner} appears twice; merge holders by owner first`);
    seen.add(h.owner);
  }
}

function compareDesc(a: bigint, b: bigint): number {
  return a > b ? -1 : a < b ? 1 : 0;
}

/** Plain code-unit order, not localeCompare: the same on every machine and locale. */
function compareOwner(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
