/**
 * Holder snapshots: who holds a token, merged by wallet, at a recorded slot (docs/solana-rpc-behaviour.md, Holder
 * snapshots; docs/solana-rpc-behaviour.md, "Holder snapshots"). The Connection comes from the RPC
 * gateway, which paces and retries; nothing here retries a request, it only splits one that a node
 * will not answer whole.
 *
 * Two sources:
 * - `getProgramAccounts` (default): a mint with a few thousand holders in one request; a bigger one
 *   in 256 parts, one per first byte of the owner (a memcmp at offset 32, on both token programs),
 *   each part merged as it arrives. A part the node refuses as too large is split again by the
 *   owner's first two bytes. A node that will not serve the query at all, or refuses even a 1/65,536
 *   part, is named in the error with what to do instead: nothing is ever left out quietly.
 * - `das`: the DAS method getTokenAccounts, 1,000 accounts a page with a cursor.
 *
 * Either way the result is a HolderTable (compact: ~45 bytes a wallet) and the CPU work on it
 * (curve checks, sorting) pauses every few milliseconds, so a million-holder snapshot never holds
 * the event loop for long.
 */
import { TOKEN_ACCOUNT } from './token-account.js';
import { msg } from '../i18n/message.js';
import type { Connection, GetProgramAccountsFilter } from '@solana/web3.js';
import type Keyv from 'keyv';
import bs58 from 'bs58';
import { parseAddress } from './address.js';
import { DasError, readTokenAccountsDas } from './das.js';
import { TributaryError } from './errors.js';
import { HolderMerger, HolderTable } from './holder-table.js';
import { readMint } from './mint.js';
import { readProgramAccounts } from './program-accounts.js';
import type { Snapshot, SnapshotFilters, TokenProgram } from './types.js';
import { PAUSE_EVERY, runNow, runSliced, type Work } from './work.js';

/** Legacy token account size; Token-2022 accounts with extensions are larger, so they get no size filter. */
const LEGACY_ACCOUNT_SIZE = TOKEN_ACCOUNT.size;
/** owner (32 bytes at offset 32) + amount (u64 LE at offset 64): all a snapshot needs of each account. */
const OWNER_AND_AMOUNT = { offset: TOKEN_ACCOUNT.ownerOffset, length: 40 };
const OWNER_OFFSET = TOKEN_ACCOUNT.ownerOffset;
/**
 * Accounts one getProgramAccounts answer may carry before the query is split: 10,000 accounts are
 * about 2.3 MB of JSON, which web3.js parses in one go (20-40 ms here): more would hold the event
 * loop past 50 ms. Estimated from the first part (1/256 of the owners) before the rest is asked.
 */
export const SINGLE_REQUEST_MAX_ACCOUNTS = 10_000;
/** Parts asked at once; the gateway paces them to the provider's budget anyway. */
const PARTS_IN_FLIGHT = 4;

/** Where holder lists come from: `getProgramAccounts` (any RPC node that serves it) or `das` (getTokenAccounts). */
export type SnapshotSource = 'getProgramAccounts' | 'das';

/**
 * Where snapshots are kept between commands, and how long one is reused (config cache.snapshotTtlMs,
 * the one place for its default: a preview and its confirmation see one snapshot); without a cache,
 * every call reads the chain.
 */
export type SnapshotCacheOptions = { cache: Keyv; ttlMs: number } | { cache?: undefined; ttlMs?: number };

export type SnapshotOptions = SnapshotCacheOptions & SnapshotReadOptions;

export interface SnapshotReadOptions {
  /** Read the chain even when a cached snapshot exists, and cache the new one. Default false. */
  refresh?: boolean;
  /** Told whether the cache answered, for metrics and the "snapshot from N s ago" line. */
  onCacheResult?(hit: boolean): void;
  /** Default `getProgramAccounts`. */
  source?: SnapshotSource;
  /**
   * How getProgramAccounts is split: `auto` (default) asks one part first and splits when the whole
   * would be more than SINGLE_REQUEST_MAX_ACCOUNTS; `parts` always asks 256 parts; `single` one request.
   */
  split?: 'auto' | 'parts' | 'single';
}

/**
 * Every wallet holding `mint`, largest first.
 *
 * The slot comes from `getProgramAccounts` with `withContext: true`: the slot the node read these
 * very accounts at (for a split query, the newest part's; later parts are asked with
 * `minContextSlot` so none comes from an older bank). DAS answers carry no slot: the slot read just
 * before the first page is recorded.
 */
export async function takeSnapshot(connection: Connection, mint: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  // Validate before the cache is asked, so a typo never costs a request nor hits a stale entry.
  const address = parseAddress(mint, 'token').toBase58();
  const { ttlMs } = opts;
  // Keyv reads a TTL of 0 as "keep forever": a config typo must not freeze a holder list.
  if (opts.cache && (!Number.isFinite(ttlMs) || (ttlMs as number) <= 0)) throw new RangeError(`snapshot ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  if (opts.cache && !opts.refresh) {
    const cached = await readCache(opts.cache, address);
    opts.onCacheResult?.(cached !== null);
    if (cached) return cached;
  } else if (opts.cache) {
    opts.onCacheResult?.(false);
  }

  const { program, programId, mint: info } = await readMint(connection, address, 'token');
  const merger = new HolderMerger();
  let slot: number;
  if (opts.source === 'das') {
    try {
      ({ slot } = await readTokenAccountsDas(connection, address, (owner, amount) => merger.add(owner, 0, amount)));
    } catch (e) {
      if (!(e instanceof DasError)) throw e;
      const key = e.code === -32601 ? 'err.snapshot.dasNotServed' : 'err.snapshot.dasFailed';
      throw new TributaryError('SNAPSHOT_REFUSED', msg(key, { mint: address, error: e.message }), { details: { mint: address, code: e.code, error: e.message }, cause: e });
    }
  } else {
    const filters: GetProgramAccountsFilter[] = [{ memcmp: { offset: 0, bytes: address } }];
    if (program === 'spl-token') filters.unshift({ dataSize: LEGACY_ACCOUNT_SIZE });
    slot = await readSplit(connection, { mint: address, programId, filters, split: opts.split ?? 'auto' }, merger);
  }
  const holders = await runSliced(merger.finish());
  const snapshot: Snapshot = {
    mint: address,
    program,
    decimals: info.decimals,
    slot,
    takenAt: Date.now(),
    holders,
    totalAmount: holders.totalAmount(),
  };
  if (opts.cache) await writeCache(opts.cache, snapshot, opts.ttlMs);
  return snapshot;
}

// --- getProgramAccounts, whole or in parts ---

interface SplitQuery {
  mint: string;
  programId: import('@solana/web3.js').PublicKey;
  filters: GetProgramAccountsFilter[];
  split: 'auto' | 'parts' | 'single';
}

/** Reads every account of the query into `merger`; returns the snapshot's slot. */
async function readSplit(connection: Connection, q: SplitQuery, merger: HolderMerger): Promise<number> {
  let newest = 0;
  // readProgramAccounts hands out slices of exactly OWNER_AND_AMOUNT.length bytes.
  const add = (data: Buffer) => merger.add(data, 0, data.readBigUInt64LE(32));
  const read = async (prefix: number[], keep: (data: Buffer) => boolean = () => true): Promise<number> => {
    const filters = prefix.length ? [...q.filters, { memcmp: { offset: OWNER_OFFSET, bytes: bs58.encode(Uint8Array.from(prefix)) } }] : q.filters;
    const { slot, accounts } = await readProgramAccounts(
      connection,
      { programId: q.programId, filters, dataSlice: OWNER_AND_AMOUNT, ...(newest > 0 ? { minContextSlot: newest } : {}) },
      (data) => {
        // A node that ignored the prefix filter would hand every part the same accounts: counted in each.
        for (let j = 0; j < prefix.length; j++) {
          if (data[j] !== prefix[j]) {
            throw new Error(`getProgramAccounts returned an account outside the owner prefix ${prefix.join('.')} it was asked for (memcmp filter ignored?)`);
          }
        }
        if (keep(data)) add(data);
      },
    );
    newest = Math.max(newest, slot);
    return accounts;
  };

  if (q.split === 'single') {
    await readOrRefuse(q, () => read([]));
    return newest;
  }
  let start = 0;
  if (q.split === 'auto') {
    // The first part tells how big the whole is: each first byte of an owner holds about 1/256 of them.
    const first = await readPart(q, [0], read);
    start = 1;
    // Each first byte holds about 1/256 of the owners: room for all of them (and a margin) at once.
    merger.reserve(first * 256 * 1.1 + 1024);
    if (first * 256 <= SINGLE_REQUEST_MAX_ACCOUNTS) {
      try {
        // The rest in one request; the first part's owners are already counted.
        await read([], (data) => data[0] !== 0);
        return newest;
      } catch (e) {
        if (refusal(e) !== 'too-large') throw refusedError(q, e);
        // The estimate was wrong (the owners are not spread evenly): ask the other parts.
      }
    }
  }
  let next = start;
  const worker = async () => {
    while (next < 256) {
      const byte = next++;
      await readPart(q, [byte], read);
    }
  };
  await Promise.all(Array.from({ length: PARTS_IN_FLIGHT }, worker));
  return newest;
}

/** One part; if the node refuses it as too large, its 256 sub-parts (two-byte owner prefixes). */
async function readPart(q: SplitQuery, prefix: number[], read: (prefix: number[]) => Promise<number>): Promise<number> {
  try {
    return await read(prefix);
  } catch (e) {
    if (prefix.length >= 2 || refusal(e) !== 'too-large') throw refusedError(q, e);
  }
  let accounts = 0;
  for (let b = 0; b < 256; b++) accounts += await readOrRefuse(q, () => read([...prefix, b]));
  return accounts;
}

async function readOrRefuse(q: SplitQuery, read: () => Promise<number>): Promise<number> {
  try {
    return await read();
  } catch (e) {
    throw refusedError(q, e);
  }
}

type Refusal = 'too-large' | 'not-served' | null;

/**
 * How a node said no. Too large: providers answer "Too many accounts requested … use pagination",
 * HTTP 413, or time out (504, or no answer at all) on a big scan. Not served: the public endpoints
 * exclude the token programs from their secondary indexes (-32010), or the method is not there.
 * Anything else (a 429 after every retry, a network failure) is not a verdict on the query's size.
 */
export function refusal(e: unknown): Refusal {
  for (
    let err = e as { code?: unknown; message?: unknown; status?: unknown; kind?: unknown; cause?: unknown } | undefined, depth = 0;
    err && depth < 4;
    err = err.cause as typeof err, depth++
  ) {
    const message = typeof err.message === 'string' ? err.message : '';
    if (err.code === -32010 || /secondary ind|excluded from account/i.test(message)) return 'not-served';
    if (err.code === -32601 || /method not found/i.test(message)) return 'not-served';
    if (err.status === 413 || err.status === 504 || err.kind === 'timeout') return 'too-large';
    if (/too (many|large|big)|response size|size limit|exceed|pagination|getProgramAccountsV2|HTTP 413|HTTP 504|timed out/i.test(message)) return 'too-large';
  }
  return null;
}

function refusedError(q: SplitQuery, e: unknown): unknown {
  const kind = refusal(e);
  if (kind === null) return e;
  const key = kind === 'not-served' ? 'err.snapshot.notServed' : q.split === 'single' ? 'err.snapshot.tooLarge' : 'err.snapshot.tooLargeSplit';
  return new TributaryError('SNAPSHOT_REFUSED', msg(key, { mint: q.mint }), { details: { mint: q.mint, refusal: kind, error: errorText(e) }, cause: e });
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}

// --- filters ---

export type ExclusionReason = 'off-curve' | 'below-minimum' | 'excluded' | 'beyond-max';

export interface Selection {
  /** Rows of the table that pass, largest first. */
  rows: Uint32Array;
  /** Holders left out, by the first reason that applied. */
  excluded: Record<ExclusionReason, number>;
}

/**
 * The rows of a snapshot a distribution pays, without materialising a holder: off-curve owners
 * (pools, vaults, program accounts) are left out unless `includeOffCurve` (paying a pool usually
 * hands the reward to its traders, not to a person); `dropOwners` are left out without being counted
 * (the distributor itself); `maxRecipients` keeps the largest of those that pass the other filters.
 */
export function selectHolders(table: HolderTable, filters: SnapshotFilters = {}, dropOwners: readonly string[] = []): Selection {
  return runNow(selecting(table, filters, dropOwners));
}

/** `selectHolders` in slices: a million rows without holding the event loop. */
export function selectHoldersSliced(table: HolderTable, filters: SnapshotFilters = {}, dropOwners: readonly string[] = []): Promise<Selection> {
  return runSliced(selecting(table, filters, dropOwners));
}

function* selecting(table: HolderTable, filters: SnapshotFilters, dropOwners: readonly string[]): Work<Selection> {
  const { minBalance, maxRecipients, includeOffCurve = false } = checkFilters(filters);
  const excludedOwners = new Set((filters.exclude ?? []).map((text) => hex(parseAddress(text, 'exclude').toBytes())));
  const dropped = new Set(dropOwners.map((o) => hex(parseAddress(o, 'owner').toBytes())));
  const rows = new Uint32Array(table.length);
  const excluded: Record<ExclusionReason, number> = { excluded: 0, 'off-curve': 0, 'below-minimum': 0, 'beyond-max': 0 };
  const named = excludedOwners.size > 0 || dropped.size > 0;
  let kept = 0;
  for (let i = 0; i < table.length; i++) {
    const key = named ? hex(table.ownerBytes(i)) : '';
    if (named && dropped.has(key)) continue;
    const reason: ExclusionReason | null =
      named && excludedOwners.has(key)
        ? 'excluded'
        : table.offCurve(i) && !includeOffCurve
          ? 'off-curve'
          : minBalance !== undefined && table.amount(i) < minBalance
            ? 'below-minimum'
            : maxRecipients !== undefined && kept >= maxRecipients
              ? 'beyond-max'
              : null;
    if (reason) excluded[reason] += 1;
    else rows[kept++] = i;
    if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
  }
  return { rows: rows.slice(0, kept), excluded };
}

function checkFilters(filters: SnapshotFilters): SnapshotFilters {
  const { minBalance, maxRecipients } = filters;
  if (minBalance !== undefined && minBalance < 0n) {
    throw new TributaryError('INVALID_FILTER', msg('err.snapshot.minNegative'), { details: { minBalance: minBalance.toString() } });
  }
  if (maxRecipients !== undefined && (!Number.isSafeInteger(maxRecipients) || maxRecipients < 1)) {
    throw new TributaryError('INVALID_FILTER', msg('err.snapshot.maxInvalid', { max: maxRecipients }), { details: { maxRecipients } });
  }
  return filters;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

// --- cache ---
// A snapshot is cached as its binary table in base64, so any Keyv store keeps it, whatever its
// serialiser does with bigints, and a cached object is never shared with a caller who might mutate
// it. Above CACHE_INLINE_MAX_HOLDERS the table (45 bytes a holder) stays in this process only: a
// million holders would be a 60 MB string for the store to copy and write.

const cacheKey = (mint: string) => `snapshot:v2:${mint}`;
export const CACHE_INLINE_MAX_HOLDERS = 200_000;
/** Big snapshots, per cache, kept in memory; one per cache, the newest. */
const bigSnapshots = new WeakMap<Keyv, { snapshot: Snapshot; expiresAt: number }>();

interface CachedSnapshot {
  v: 2;
  mint: string;
  program: TokenProgram;
  decimals: number;
  slot: number;
  takenAt: number;
  /** HolderTable.encode(), base64. */
  holders: string;
}

async function writeCache(cache: Keyv, s: Snapshot, ttlMs: number): Promise<void> {
  if (s.holders.length > CACHE_INLINE_MAX_HOLDERS) {
    bigSnapshots.set(cache, { snapshot: s, expiresAt: Date.now() + ttlMs });
    await cache.delete(cacheKey(s.mint));
    return;
  }
  const value: CachedSnapshot = { v: 2, mint: s.mint, program: s.program, decimals: s.decimals, slot: s.slot, takenAt: s.takenAt, holders: s.holders.encode().toString('base64') };
  await cache.set(cacheKey(s.mint), value, ttlMs);
}

async function readCache(cache: Keyv, mint: string): Promise<Snapshot | null> {
  const big = bigSnapshots.get(cache);
  if (big && big.snapshot.mint === mint) {
    if (Date.now() < big.expiresAt) return big.snapshot;
    bigSnapshots.delete(cache);
  }
  return decodeSnapshot(await cache.get(cacheKey(mint)));
}

/** null for anything that is not a snapshot this version wrote: treated as a cache miss. */
function decodeSnapshot(value: unknown): Snapshot | null {
  const c = value as Partial<CachedSnapshot> | null | undefined;
  if (!c || c.v !== 2 || typeof c.holders !== 'string' || typeof c.mint !== 'string' || typeof c.slot !== 'number') return null;
  if ((c.program !== 'spl-token' && c.program !== 'spl-token-2022') || typeof c.decimals !== 'number' || typeof c.takenAt !== 'number') return null;
  const holders = HolderTable.decode(Buffer.from(c.holders, 'base64'));
  if (!holders) return null;
  return { mint: c.mint, program: c.program, decimals: c.decimals, slot: c.slot, takenAt: c.takenAt, holders, totalAmount: holders.totalAmount() };
}
