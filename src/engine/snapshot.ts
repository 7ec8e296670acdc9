/**
 * Holder snapshots: who holds a token, merged by wallet, at a recorded slot (FACTS.md, Holder
 * snapshots). Two RPC requests on a cache miss (getAccountInfo for the mint, one getProgramAccounts),
 * none on a hit. The Connection comes from the RPC gateway, which paces and retries; nothing here retries.
 */
import type { Connection, GetProgramAccountsFilter } from '@solana/web3.js';
import bs58 from 'bs58';
import type Keyv from 'keyv';
import { parseAddress } from './address.js';
import { isOnCurve } from './curve.js';
import { TributaryError } from './errors.js';
import { readMint } from './mint.js';
import { getProgramAccountSlices } from './program-accounts.js';
import type { Holder, Snapshot, SnapshotFilters, TokenProgram } from './types.js';

/** Legacy token account size; Token-2022 accounts with extensions are larger, so they get no size filter. */
const LEGACY_ACCOUNT_SIZE = 165;
/** owner (32 bytes at offset 32) + amount (u64 LE at offset 64): all a snapshot needs of each account. */
const OWNER_AND_AMOUNT = { offset: 32, length: 40 };
const DEFAULT_TTL_MS = 5 * 60_000;

export interface SnapshotOptions {
  /** Where snapshots are kept between commands; without one, every call reads the chain. */
  cache?: Keyv;
  /** How long a cached snapshot is reused. Default 5 minutes: a preview and its confirmation see one snapshot. */
  ttlMs?: number;
  /** Read the chain even when a cached snapshot exists, and cache the new one. Default false. */
  refresh?: boolean;
  /** Told whether the cache answered, for metrics and the "snapshot from N s ago" line. */
  onCacheResult?(hit: boolean): void;
}

/**
 * Every wallet holding `mint`, largest first.
 *
 * The slot comes from `getProgramAccounts` with `withContext: true`: it is the slot the node read
 * these very accounts at. A `getSlot` before the call would cost one more request under the rate
 * limit and could name another slot (the chain moves on between requests, and a provider may route
 * the two requests to different nodes).
 */
export async function takeSnapshot(connection: Connection, mint: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  // Validate before the cache is asked, so a typo never costs a request nor hits a stale entry.
  const address = parseAddress(mint, 'token').toBase58();
  const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  // Keyv reads a TTL of 0 as "keep forever": a config typo must not freeze a holder list.
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`snapshot ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  const key = cacheKey(address);
  if (opts.cache && !opts.refresh) {
    const cached = decodeSnapshot(await opts.cache.get(key));
    opts.onCacheResult?.(cached !== null);
    if (cached) return cached;
  } else if (opts.cache) {
    opts.onCacheResult?.(false);
  }

  const { program, programId, mint: info } = await readMint(connection, address, 'token');
  const filters: GetProgramAccountsFilter[] = [{ memcmp: { offset: 0, bytes: address } }];
  if (program === 'spl-token') filters.unshift({ dataSize: LEGACY_ACCOUNT_SIZE });
  const { slot, slices } = await getProgramAccountSlices(connection, programId, filters, OWNER_AND_AMOUNT);

  const holders = mergeByOwner(slices);
  const snapshot: Snapshot = {
    mint: address,
    program,
    decimals: info.decimals,
    slot,
    takenAt: Date.now(),
    holders,
    totalAmount: holders.reduce((sum, h) => sum + h.amount, 0n),
  };
  await opts.cache?.set(key, encodeSnapshot(snapshot), ttlMs);
  return snapshot;
}

/** Token accounts -> wallets: sums each owner's accounts, drops empty ones, flags off-curve owners. */
function mergeByOwner(slices: readonly Buffer[]): Holder[] {
  // Keyed by hex of the owner bytes: base58 and the curve check then run once per wallet, not per account.
  const byOwner = new Map<string, { owner: Buffer; amount: bigint; tokenAccounts: number }>();
  for (const data of slices) {
    if (data.length !== OWNER_AND_AMOUNT.length) {
      throw new Error(`getProgramAccounts returned ${data.length}-byte account data; expected ${OWNER_AND_AMOUNT.length} (dataSlice ignored?)`);
    }
    const amount = data.readBigUInt64LE(32);
    if (amount === 0n) continue;
    const hex = data.toString('hex', 0, 32);
    const entry = byOwner.get(hex);
    if (entry) {
      entry.amount += amount;
      entry.tokenAccounts += 1;
    } else {
      byOwner.set(hex, { owner: data.subarray(0, 32), amount, tokenAccounts: 1 });
    }
  }
  const holders: Holder[] = [];
  for (const { owner, amount, tokenAccounts } of byOwner.values()) {
    holders.push({ owner: bs58.encode(owner), amount, offCurve: !isOnCurve(owner), tokenAccounts });
  }
  return holders.sort(largestFirst);
}

/** Largest first; equal amounts by owner in code-unit order, which is the same on every machine. */
function largestFirst(a: Holder, b: Holder): number {
  if (a.amount !== b.amount) return a.amount > b.amount ? -1 : 1;
  return a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0;
}

export type ExclusionReason = 'off-curve' | 'below-minimum' | 'excluded' | 'beyond-max';

export interface FilteredHolders {
  /** Still largest first. */
  holders: Holder[];
  /** Every holder left out, with the first reason that applied, in the order: excluded, off-curve, below-minimum, beyond-max. */
  excluded: { owner: string; reason: ExclusionReason }[];
}

/**
 * Narrows a snapshot to the holders a distribution pays. Off-curve owners (pools, vaults, program
 * accounts) are left out unless `includeOffCurve`: paying a pool usually hands the reward to its
 * traders, not to a person. `maxRecipients` keeps the largest of those that pass the other filters.
 */
export function applyFilters(snapshot: Pick<Snapshot, 'holders'>, filters: SnapshotFilters = {}): FilteredHolders {
  const { minBalance, maxRecipients, includeOffCurve = false } = filters;
  if (minBalance !== undefined && minBalance < 0n) {
    throw new TributaryError('INVALID_FILTER', 'min cannot be negative', { details: { minBalance: minBalance.toString() } });
  }
  if (maxRecipients !== undefined && (!Number.isSafeInteger(maxRecipients) || maxRecipients < 1)) {
    throw new TributaryError('INVALID_FILTER', `max must be a whole number of at least 1, not ${maxRecipients}`, { details: { maxRecipients } });
  }
  const excludedOwners = new Set((filters.exclude ?? []).map((text) => parseAddress(text, 'exclude').toBase58()));

  const holders: Holder[] = [];
  const excluded: FilteredHolders['excluded'] = [];
  // Sorted again so `maxRecipients` keeps the largest even if the caller reordered the list.
  for (const holder of [...snapshot.holders].sort(largestFirst)) {
    const reason: ExclusionReason | null = excludedOwners.has(holder.owner)
      ? 'excluded'
      : holder.offCurve && !includeOffCurve
        ? 'off-curve'
        : minBalance !== undefined && holder.amount < minBalance
          ? 'below-minimum'
          : maxRecipients !== undefined && holders.length >= maxRecipients
            ? 'beyond-max'
            : null;
    if (reason) excluded.push({ owner: holder.owner, reason });
    else holders.push(holder);
  }
  return { holders, excluded };
}

// --- cache ---
// Stored as plain JSON (amounts as decimal strings) so any Keyv store works, whether or not its
// serialiser knows bigint, and a cached object is never shared with a caller who might mutate it.

const cacheKey = (mint: string) => `snapshot:v1:${mint}`;

interface CachedSnapshot {
  v: 1;
  mint: string;
  program: TokenProgram;
  decimals: number;
  slot: number;
  takenAt: number;
  /** [owner, amount, offCurve, tokenAccounts]: compact, 10,000 holders are one value. */
  holders: [string, string, boolean, number][];
}

function encodeSnapshot(s: Snapshot): CachedSnapshot {
  return {
    v: 1,
    mint: s.mint,
    program: s.program,
    decimals: s.decimals,
    slot: s.slot,
    takenAt: s.takenAt,
    holders: s.holders.map((h) => [h.owner, h.amount.toString(), h.offCurve, h.tokenAccounts]),
  };
}

/** null for anything that is not a snapshot this version wrote: treated as a cache miss. */
function decodeSnapshot(value: unknown): Snapshot | null {
  const c = value as Partial<CachedSnapshot> | null | undefined;
  if (!c || c.v !== 1 || !Array.isArray(c.holders) || typeof c.mint !== 'string' || typeof c.slot !== 'number') return null;
  if ((c.program !== 'spl-token' && c.program !== 'spl-token-2022') || typeof c.decimals !== 'number' || typeof c.takenAt !== 'number') return null;
  try {
    const holders = c.holders.map(([owner, amount, offCurve, tokenAccounts]) => ({ owner, amount: BigInt(amount), offCurve, tokenAccounts }));
    return {
      mint: c.mint,
      program: c.program,
      decimals: c.decimals,
      slot: c.slot,
      takenAt: c.takenAt,
      holders,
      totalAmount: holders.reduce((sum, h) => sum + h.amount, 0n),
    };
  } catch {
    return null;
  }
}
