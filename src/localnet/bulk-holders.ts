/**
 * A token with up to millions of holders on the local chain, seeded in seconds: its token accounts
 * live in typed arrays beside litesvm (72 bytes each) instead of one litesvm account apiece, which
 * would take hours to write and gigabytes to scan. Only the mint itself is a litesvm account.
 *
 * What reads them: getProgramAccounts filtered on this mint (memcmp at offset 0, with or without an
 * owner prefix at offset 32 and dataSize), the DAS method getTokenAccounts, and getAccountInfo /
 * getMultipleAccounts of one of their addresses. What does not: transactions (the accounts are
 * read-only: a transfer out of one fails as from a missing account) and unfiltered scans of the
 * token program. docs/solana-rpc-behaviour.md, "Holder snapshots".
 */
import bs58 from 'bs58';
import { MintLayout, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { PublicKey } from '@solana/web3.js';
import type { LocalChain } from './chain.js';
import { seededUint32 } from './random.js';

const ACCOUNT_SIZE = 165;
/** Token-2022 accounts as the ATA program makes them: ImmutableOwner extension. */
const ACCOUNT_SIZE_2022 = 170;

export interface BulkMintOptions {
  /** Wallets with a balance. */
  holders: number;
  seed: number;
  /** Default the legacy token program. */
  program?: 'spl-token' | 'spl-token-2022';
  decimals?: number;
  /** Share of holders with a second token account (merged by a snapshot). Default 0.05. */
  secondAccountShare?: number;
  /** Zero-balance accounts, as a share of holders. Default 0.03. */
  emptyAccountShare?: number;
}

export interface AccountFilter {
  dataSize?: number;
  memcmp?: { offset: number; bytes: string; encoding?: string };
}

/** The token accounts of one bulk-seeded mint, sorted by address. */
export class BulkTokenAccounts {
  readonly mint: string;
  readonly mintBytes: Uint8Array;
  readonly programId: string;
  readonly decimals: number;
  /** Token accounts, zero balances included. */
  readonly count: number;
  /** Wallets with a balance above zero. */
  readonly holders: number;
  readonly supply: bigint;
  private readonly addresses: Uint8Array;
  private readonly owners: Uint8Array;
  private readonly amounts: BigUint64Array;
  /** Account indexes grouped by the owner's first byte: bucket b is byOwner[ownerStart[b] .. ownerStart[b+1]). */
  private readonly byOwner: Uint32Array;
  private readonly ownerStart: Uint32Array;

  constructor(opts: BulkMintOptions) {
    const next = seededUint32(opts.seed);
    const decimals = opts.decimals ?? 6;
    const second = opts.secondAccountShare ?? 0.05;
    const empty = opts.emptyAccountShare ?? 0.03;
    const unit = 10n ** BigInt(decimals);
    // Counts first, so the arrays are allocated once.
    const extraAccounts = Math.round(opts.holders * second);
    const emptyAccounts = Math.round(opts.holders * empty);
    const n = opts.holders + extraAccounts + emptyAccounts;
    this.count = n;
    this.holders = opts.holders;
    this.decimals = decimals;
    this.programId = (opts.program === 'spl-token-2022' ? TOKEN_2022_PROGRAM_ID : TOKEN_PROGRAM_ID).toBase58();
    this.mintBytes = randomBytes(next, 32);
    this.mint = bs58.encode(this.mintBytes);
    this.addresses = new Uint8Array(n * 32);
    this.owners = new Uint8Array(n * 32);
    this.amounts = new BigUint64Array(n);
    // Addresses in ascending order by construction: a 4-byte big-endian prefix that grows with the
    // index (unique while n < 2^32), random bytes after it. Pages and lookups need no sort.
    for (let i = 0; i < n; i++) {
      const prefix = Math.floor((i * 0x1_0000_0000) / n);
      const at = i * 32;
      this.addresses[at] = prefix >>> 24;
      this.addresses[at + 1] = (prefix >>> 16) & 0xff;
      this.addresses[at + 2] = (prefix >>> 8) & 0xff;
      this.addresses[at + 3] = prefix & 0xff;
      fillRandom(next, this.addresses, at + 4, 28);
    }
    // Which account rows hold what: holders' first accounts, then second accounts of some of them, then empty ones,
    // scattered over the address order by a seeded shuffle so that parts and pages see a mix.
    const rowOf = shuffled(n, next);
    let supply = 0n;
    let r = 0;
    const ownerRows: number[] = [];
    for (let h = 0; h < opts.holders; h++) {
      const row = rowOf[r++] as number;
      fillRandom(next, this.owners, row * 32, 32);
      // Log-uniform between 1 and 1,000,000 whole tokens, plus a fractional part (as seed.ts).
      const whole = BigInt(Math.floor(10 ** ((next() / 0x1_0000_0000) * 6)));
      const amount = whole * unit + (BigInt(next()) % unit);
      this.amounts[row] = amount;
      supply += amount;
      if (ownerRows.length < extraAccounts) ownerRows.push(row);
    }
    for (const holderRow of ownerRows) {
      // A second account of the same owner: a third of the balance moves to it.
      const row = rowOf[r++] as number;
      this.owners.copyWithin(row * 32, holderRow * 32, holderRow * 32 + 32);
      const moved = (this.amounts[holderRow] as bigint) / 3n;
      this.amounts[holderRow] = (this.amounts[holderRow] as bigint) - moved;
      this.amounts[row] = moved;
    }
    for (let e = 0; e < emptyAccounts; e++) {
      const row = rowOf[r++] as number;
      fillRandom(next, this.owners, row * 32, 32);
      this.amounts[row] = 0n;
    }
    this.supply = supply;
    // Counting sort of the rows by the owner's first byte, for memcmp at offset 32.
    this.ownerStart = new Uint32Array(257);
    for (let i = 0; i < n; i++) {
      const b = this.owners[i * 32] as number;
      this.ownerStart[b + 1] = (this.ownerStart[b + 1] as number) + 1;
    }
    for (let b = 0; b < 256; b++) this.ownerStart[b + 1] = (this.ownerStart[b + 1] as number) + (this.ownerStart[b] as number);
    const fill = this.ownerStart.slice(0, 256);
    this.byOwner = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const b = this.owners[i * 32] as number;
      this.byOwner[fill[b] as number] = i;
      fill[b] = (fill[b] as number) + 1;
    }
  }

  /** Writes the mint account (supply = the sum of every balance) into the chain. */
  install(chain: LocalChain, mintAuthority: PublicKey): void {
    const data = Buffer.alloc(MintLayout.span);
    MintLayout.encode(
      { mintAuthorityOption: 1, mintAuthority, supply: this.supply, decimals: this.decimals, isInitialized: true, freezeAuthorityOption: 0, freezeAuthority: PublicKey.default },
      data,
    );
    chain.setAccount({ address: this.mint, data, lamports: chain.minimumBalanceForRentExemption(MintLayout.span), owner: this.programId });
    chain.addBulkAccounts(this);
  }

  address(i: number): string {
    return bs58.encode(this.addresses.subarray(i * 32, i * 32 + 32));
  }

  owner(i: number): string {
    return bs58.encode(this.owners.subarray(i * 32, i * 32 + 32));
  }

  ownerBytes(i: number): Uint8Array {
    return this.owners.subarray(i * 32, i * 32 + 32);
  }

  amount(i: number): bigint {
    return this.amounts[i] as bigint;
  }

  /** The account's bytes as the token program lays them out: initialized, no delegate, not native. */
  data(i: number): Buffer {
    const is2022 = this.programId === TOKEN_2022_PROGRAM_ID.toBase58();
    const data = Buffer.alloc(is2022 ? ACCOUNT_SIZE_2022 : ACCOUNT_SIZE);
    data.set(this.mintBytes, 0);
    data.set(this.ownerBytes(i), 32);
    data.writeBigUInt64LE(this.amount(i), 64);
    data[108] = 1; // AccountState::Initialized
    if (is2022) {
      data[ACCOUNT_SIZE] = 2; // AccountType::Account
      data.writeUInt16LE(7, ACCOUNT_SIZE + 1); // ExtensionType::ImmutableOwner
    }
    return data;
  }

  /** Index of the account at `address`, or -1. */
  find(address: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(this.addresses, mid * 32, address);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** First index whose address is above `address` (a DAS cursor). */
  after(address: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.addresses, mid * 32, address) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether a getProgramAccounts query of `programId` with `filters` is about this mint. */
  answers(programId: string, filters: readonly AccountFilter[] | undefined): boolean {
    if (programId !== this.programId) return false;
    return (filters ?? []).some((f) => f.memcmp && f.memcmp.offset === 0 && equalBytes(decodeFilterBytes(f.memcmp), this.mintBytes));
  }

  /** Indexes of the accounts matching every filter, in address order within each owner bucket. */
  *matching(filters: readonly AccountFilter[]): Generator<number> {
    const ownerPrefix = filters.find((f) => f.memcmp && f.memcmp.offset === OWNER_OFFSET)?.memcmp;
    const prefix = ownerPrefix ? decodeFilterBytes(ownerPrefix) : null;
    const size = (this.data(0) as Buffer).length;
    if (filters.some((f) => f.dataSize !== undefined && f.dataSize !== size)) return;
    const others = filters.filter((f) => f.memcmp && !(f.memcmp.offset === 0 && equalBytes(decodeFilterBytes(f.memcmp), this.mintBytes)));
    const candidates = prefix && prefix.length > 0 ? this.byOwner.subarray(this.ownerStart[prefix[0] as number], this.ownerStart[(prefix[0] as number) + 1]) : null;
    const total = candidates ? candidates.length : this.count;
    for (let k = 0; k < total; k++) {
      const i = candidates ? (candidates[k] as number) : k;
      if (others.length && !others.every((f) => matchesMemcmp(this.data(i), f.memcmp as NonNullable<AccountFilter['memcmp']>))) continue;
      yield i;
    }
  }
}

const OWNER_OFFSET = 32;

export function decodeFilterBytes(memcmp: { bytes: string; encoding?: string }): Uint8Array {
  return memcmp.encoding === 'base64' ? Buffer.from(memcmp.bytes, 'base64') : bs58.decode(memcmp.bytes);
}

function matchesMemcmp(data: Uint8Array, memcmp: NonNullable<AccountFilter['memcmp']>): boolean {
  const wanted = decodeFilterBytes(memcmp);
  return equalBytes(data.subarray(memcmp.offset, memcmp.offset + wanted.length), wanted);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compare(rows: Uint8Array, at: number, key: Uint8Array): number {
  for (let k = 0; k < 32; k++) {
    const d = (rows[at + k] as number) - (key[k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function fillRandom(next: () => number, into: Uint8Array, at: number, length: number): void {
  for (let k = 0; k < length; k += 4) {
    const w = next();
    into[at + k] = w & 0xff;
    if (k + 1 < length) into[at + k + 1] = (w >>> 8) & 0xff;
    if (k + 2 < length) into[at + k + 2] = (w >>> 16) & 0xff;
    if (k + 3 < length) into[at + k + 3] = w >>> 24;
  }
}

function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  fillRandom(next, out, 0, length);
  return out;
}

/** 0..n-1 in a seeded random order (Fisher-Yates). */
function shuffled(n: number, next: () => number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}
