/**
 * Splits a total among holders so the shares sum to exactly the total (docs/invariants.md invariant 2).
 * Largest-remainder (Hamilton) rounding: everyone gets the floor of their exact share, and the few
 * base units left over go one each to the largest fractional remainders. Bigint only.
 *
 * One implementation, written as pausable work (work.ts): `allocate` runs it at once over holder
 * objects; `allocateRows` runs it over rows of a snapshot's compact table in slices of a few
 * milliseconds, so a million shares never hold the event loop.
 */
import { msg } from '../i18n/message.js';
import bs58 from 'bs58';
import { TributaryError } from './errors.js';
import { compareOwnerAt, type HolderTable } from './holder-table.js';
import type { Allocation, DistributionMode, Holder } from './types.js';
import { PAUSE_EVERY, runNow, runSliced, sortIndexes, type Work } from './work.js';

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
  assertWellFormed(holders);
  // Ties are broken by the owner's 32 bytes, as over a snapshot's compact table, so both give one answer.
  const ownerBytes = holders.map((h) => addressBytes(h.owner));
  const compareOwner = (a: number, b: number): number => {
    const x = ownerBytes[a];
    const y = ownerBytes[b];
    return x && y ? Buffer.compare(x, y) : compareText((holders[a] as Holder).owner, (holders[b] as Holder).owner);
  };
  const { amounts, order } = runNow(shares({ count: holders.length, holding: (i) => (holders[i] as Holder).amount, compareOwner }, total, mode));
  const all: Allocation[] = Array.from(order, (i) => {
    const h = holders[i] as Holder;
    return { owner: h.owner, amount: amounts[i] as bigint, holding: h.amount, offCurve: h.offCurve };
  });
  return { allocations: all.filter((a) => a.amount > 0n), zeroShare: all.filter((a) => a.amount === 0n) };
}

/** Shares of the rows of a snapshot, computed in slices; the table's owners are unique. */
export interface RowAllocation {
  /** Share of `rows[k]`, at index k. */
  amounts: BigintStore;
  /** Indexes k into `rows`, largest share first (ties by holding, then owner bytes); zero shares last. */
  order: Uint32Array;
  /** How many shares are above zero: the first `paid` of `order`. */
  paid: number;
}

export async function allocateRows(table: HolderTable, rows: Uint32Array, total: bigint, mode: DistributionMode = 'proportional'): Promise<RowAllocation> {
  const { amounts, order } = await runSliced(
    shares(
      {
        count: rows.length,
        holding: (k) => table.amount(rows[k] as number),
        compareOwner: (a, b) => compareOwnerAt(table.owners, rows[a] as number, table.owners, (rows[b] as number) * 32),
        compact: true,
      },
      total,
      mode,
    ),
  );
  // Zero shares are at the end of the order: the first one found by halving, not by walking a million.
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((amounts[order[mid] as number] as bigint) > 0n) lo = mid + 1;
    else hi = mid;
  }
  return { amounts, order, paid: lo };
}

interface ShareInput {
  count: number;
  holding(i: number): bigint;
  /** Owner order for the last tie-break; never 0 for two different holders. */
  compareOwner(a: number, b: number): number;
  /** Keep values in 64-bit typed arrays where they fit (large inputs). */
  compact?: boolean;
}

/** Indexable bigints: a plain array, or a BigUint64Array when every value fits in 64 bits. */
type BigintStore = bigint[] | BigUint64Array;
const U64_MAX = (1n << 64n) - 1n;

function* shares(input: ShareInput, total: bigint, mode: DistributionMode): Work<{ amounts: BigintStore; order: Uint32Array }> {
  if (total <= 0n) {
    throw new TributaryError('AMOUNT_NOT_POSITIVE', msg('err.totalNotPositive'), { details: { total: total.toString() } });
  }
  const n = input.count;
  if (n === 0) {
    throw new TributaryError('NO_RECIPIENTS', msg('err.noRecipientsFiltered'), { details: { mode } });
  }
  // Compact storage (8 bytes a value, no bigint objects) when every value fits in a u64: the
  // holdings (a token's balances), the shares (at most the total) and the remainders (below the
  // total weight). A million shares then take ~40 MB less. Otherwise (a total beyond a u64, only
  // in tests) plain arrays.
  const compact = input.compact === true && total <= U64_MAX;
  const store = (): BigintStore => (compact ? new BigUint64Array(n) : new Array<bigint>(n));
  const holdings = store();
  const holdingKeys = new Float64Array(n);
  let totalWeight = 0n;
  for (let i = 0; i < n; i++) {
    const h = input.holding(i);
    holdings[i] = h;
    holdingKeys[i] = Number(h);
    totalWeight += mode === 'equal' ? 1n : h;
    if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
  }
  if (totalWeight === 0n) {
    throw new TributaryError('NO_RECIPIENTS', msg('err.noRecipientsEmpty'), { details: { mode } });
  }

  const amounts = store();
  // Remainders are below the total weight: a sum of u64 balances can exceed a u64 only on a broken answer.
  const remainders = totalWeight <= U64_MAX ? store() : new Array<bigint>(n);
  let leftover = total;
  for (let i = 0; i < n; i++) {
    const exact = total * (mode === 'equal' ? 1n : (holdings[i] as bigint));
    const amount = exact / totalWeight;
    amounts[i] = amount;
    remainders[i] = exact % totalWeight;
    leftover -= amount;
    if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
  }
  // Fewer than n units are left over, because each floor loses less than one unit.
  const byHolding = (a: number, b: number) => compareDescKeyed(holdingKeys, holdings, a, b) || input.compareOwner(a, b);
  if (leftover > 0n) {
    const remainderKeys = new Float64Array(n);
    const byRemainder = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      remainderKeys[i] = Number(remainders[i] as bigint);
      byRemainder[i] = i;
      if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
    }
    yield* sortIndexes(byRemainder, (a, b) => compareDescKeyed(remainderKeys, remainders, a, b) || byHolding(a, b));
    for (let k = 0; leftover > 0n; k++) {
      const i = byRemainder[k] as number;
      amounts[i] = (amounts[i] as bigint) + 1n;
      leftover -= 1n;
    }
  }

  const amountKeys = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    amountKeys[i] = Number(amounts[i] as bigint);
    order[i] = i;
    if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
  }
  yield* sortIndexes(order, (a, b) => compareDescKeyed(amountKeys, amounts, a, b) || byHolding(a, b));

  let paid = 0n;
  for (let i = 0; i < n; i++) {
    paid += amounts[i] as bigint;
    if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
  }
  if (paid !== total) throw new Error(`allocate: shares sum to ${paid}, not ${total}`); // cannot happen; guards the invariant
  return { amounts, order };
}

/**
 * Larger first. The float keys (correctly rounded, so monotonic) decide almost every comparison
 * without touching a bigint; equal keys fall back to the exact values.
 */
function compareDescKeyed(keys: Float64Array, exact: BigintStore, a: number, b: number): number {
  const ka = keys[a] as number;
  const kb = keys[b] as number;
  if (ka !== kb) return ka > kb ? -1 : 1;
  const x = exact[a] as bigint;
  const y = exact[b] as bigint;
  return x > y ? -1 : x < y ? 1 : 0;
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

/** An address's 32 bytes; null for a name that is not one (tests use short names). */
function addressBytes(owner: string): Buffer | null {
  try {
    const bytes = bs58.decode(owner);
    return bytes.length === 32 ? Buffer.from(bytes) : null;
  } catch {
    return null;
  }
}

/** Plain code-unit order, not localeCompare: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
