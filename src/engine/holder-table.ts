/**
 * A snapshot's wallets in compact form: a million holders are about 45 MB (32-byte owner, u64
 * amount, account count, off-curve flag in typed arrays) instead of a million objects with base58
 * strings (~200 MB). Base58 is computed only for the wallets someone looks at or pays.
 *
 * Order: largest amount first; equal amounts by owner bytes (big-endian, as memcmp), the same on
 * every machine.
 */
import bs58 from 'bs58';
import { isOnCurve } from './curve.js';
import type { Holder } from './types.js';
import { PAUSE_EVERY, runNow, sortIndexes, type Work } from './work.js';

const OWNER_BYTES = 32;
const U64_MAX = (1n << 64n) - 1n;

export class HolderTable implements Iterable<Holder> {
  readonly length: number;

  constructor(
    /** 32 bytes per holder. */
    readonly owners: Uint8Array,
    readonly amounts: BigUint64Array,
    readonly tokenAccounts: Uint32Array,
    /** 1 for an owner off the ed25519 curve (pool, vault, program account). */
    readonly offCurveFlags: Uint8Array,
  ) {
    this.length = amounts.length;
    if (owners.length !== this.length * OWNER_BYTES || tokenAccounts.length !== this.length || offCurveFlags.length !== this.length) {
      throw new RangeError('HolderTable: columns of different lengths');
    }
  }

  ownerBytes(i: number): Uint8Array {
    return this.owners.subarray(i * OWNER_BYTES, (i + 1) * OWNER_BYTES);
  }

  owner(i: number): string {
    return base58(this.ownerBytes(i));
  }

  amount(i: number): bigint {
    return this.amounts[i] as bigint;
  }

  offCurve(i: number): boolean {
    return this.offCurveFlags[i] === 1;
  }

  holder(i: number): Holder {
    return { owner: this.owner(i), amount: this.amount(i), offCurve: this.offCurve(i), tokenAccounts: this.tokenAccounts[i] as number };
  }

  *[Symbol.iterator](): Iterator<Holder> {
    for (let i = 0; i < this.length; i++) yield this.holder(i);
  }

  toArray(): Holder[] {
    return Array.from(this);
  }

  /** Set by the merger, which adds the amounts up as it sorts them (a million bigint additions at once would hold the event loop). */
  knownTotal: bigint | null = null;

  totalAmount(): bigint {
    if (this.knownTotal !== null) return this.knownTotal;
    let sum = 0n;
    for (const a of this.amounts) sum += a;
    return (this.knownTotal = sum);
  }

  /** Index of `owner` (32 bytes), or -1. Linear: for a few lookups (an exclude list), not per holder. */
  indexOf(owner: Uint8Array): number {
    for (let i = 0; i < this.length; i++) if (compareOwnerAt(this.owners, i, owner, 0) === 0) return i;
    return -1;
  }

  /** Holders as objects (tests, small lists), in any order: sorted and checked here. */
  static fromHolders(holders: Iterable<Holder>): HolderTable {
    const merger = new HolderMerger();
    const flags = new Map<string, boolean>();
    for (const h of holders) {
      const bytes = bs58.decode(h.owner);
      if (bytes.length !== OWNER_BYTES) throw new RangeError(`HolderTable: ${h.owner} is not a 32-byte address`);
      merger.add(bytes, 0, h.amount, h.tokenAccounts);
      flags.set(h.owner, h.offCurve);
    }
    return runNow(merger.finish((bytes) => flags.get(bs58.encode(bytes)) ?? !isOnCurve(bytes)));
  }

  // --- binary form, for the snapshot cache: per holder 32 owner + 8 amount + 4 accounts + 1 flag ---

  encode(): Buffer {
    const n = this.length;
    const out = Buffer.alloc(n * 45);
    out.set(this.owners, 0);
    Buffer.from(this.amounts.buffer, this.amounts.byteOffset, n * 8).copy(out, n * 32);
    Buffer.from(this.tokenAccounts.buffer, this.tokenAccounts.byteOffset, n * 4).copy(out, n * 40);
    out.set(this.offCurveFlags, n * 44);
    return out;
  }

  static decode(buf: Uint8Array): HolderTable | null {
    if (buf.length % 45 !== 0) return null;
    const n = buf.length / 45;
    // Copies: typed arrays need aligned buffers, and a cached Buffer may be a slice of a pool.
    const owners = Uint8Array.from(buf.subarray(0, n * 32));
    const amounts = new BigUint64Array(n);
    new Uint8Array(amounts.buffer).set(buf.subarray(n * 32, n * 40));
    const tokenAccounts = new Uint32Array(n);
    new Uint8Array(tokenAccounts.buffer).set(buf.subarray(n * 40, n * 44));
    const offCurve = Uint8Array.from(buf.subarray(n * 44, n * 45));
    return new HolderTable(owners, amounts, tokenAccounts, offCurve);
  }
}

const ALPHABET = Buffer.from('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 'latin1');
const digits = new Uint8Array(64);

/**
 * Base58 of an address, as bs58.encode gives it, as one flat string. bs58 (base-x) builds its
 * result a character at a time, and V8 keeps such a string as a chain of 44 pieces (~1.4 KB) until
 * something flattens it: a million owners kept in a plan cost ~1.4 GB that way, ~64 MB flat.
 */
export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Digits little-endian in `digits`: each byte multiplies the number so far by 256 and adds itself.
  let length = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] as number;
    for (let k = 0; k < length; k++) {
      carry += (digits[k] as number) * 256;
      digits[k] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits[length++] = carry % 58;
      carry = (carry / 58) | 0;
    }
  }
  const out = Buffer.allocUnsafe(zeros + length);
  out.fill(ALPHABET[0] as number, 0, zeros);
  for (let k = 0; k < length; k++) out[zeros + k] = ALPHABET[digits[length - 1 - k] as number] as number;
  return out.toString('latin1');
}

/** memcmp of the owner at row `i` of `owners` with 32 bytes of `other` at `offset`. */
export function compareOwnerAt(owners: Uint8Array, i: number, other: Uint8Array, offset: number): number {
  const base = i * OWNER_BYTES;
  for (let k = 0; k < OWNER_BYTES; k++) {
    const d = (owners[base + k] as number) - (other[offset + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Token accounts in, wallets out: sums each owner's accounts as they arrive (any order, any number
 * of parts), drops zero balances. An open-addressing hash over the owner bytes, so a million
 * accounts cost typed arrays, not a Map of a million strings.
 */
export class HolderMerger {
  private owners = new Uint8Array(1024 * OWNER_BYTES);
  private amounts = new BigUint64Array(1024);
  private accounts = new Uint32Array(1024);
  private slots = new Int32Array(2048).fill(-1);
  private count = 0;
  /** Token accounts added with a balance above zero. */
  accountsSeen = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Makes room for about `holders` owners at once (the estimate of a split snapshot), so the arrays
   * are not doubled past what is needed: a million holders then take ~47 MB here, not up to twice that.
   */
  reserve(holders: number): void {
    const cap = Math.ceil(holders);
    if (cap > this.amounts.length) this.resize(cap);
    if (cap * 2 > this.slots.length) this.rehash(2 ** Math.ceil(Math.log2(cap * 2)));
  }

  /**
   * Adds one token account: the owner is the 32 bytes of `data` at `offset`. A zero amount is
   * skipped. `accounts` is how many token accounts this entry stands for (1 unless merging holders).
   */
  add(data: Uint8Array, offset: number, amount: bigint, accounts = 1): void {
    if (amount === 0n) return;
    if (amount < 0n || amount > U64_MAX) throw new RangeError(`token amount ${amount} is not a u64`);
    this.accountsSeen += accounts;
    const mask = this.slots.length - 1;
    let slot = hashOwner(data, offset) & mask;
    for (;;) {
      const row = this.slots[slot] as number;
      if (row === -1) break;
      if (compareOwnerAt(this.owners, row, data, offset) === 0) {
        const sum = (this.amounts[row] as bigint) + amount;
        // An owner's accounts cannot hold more than the mint's supply, a u64: anything else is a bad answer.
        if (sum > U64_MAX) throw new RangeError('an owner holds more than a u64 of the token: the node answered nonsense');
        this.amounts[row] = sum;
        this.accounts[row] = (this.accounts[row] as number) + accounts;
        return;
      }
      slot = (slot + 1) & mask;
    }
    if (this.count === this.amounts.length) this.grow();
    const row = this.count++;
    this.owners.set(data.subarray(offset, offset + OWNER_BYTES), row * OWNER_BYTES);
    this.amounts[row] = amount;
    this.accounts[row] = accounts;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[slot] = row;
  }

  /**
   * The wallets, largest first, each flagged on or off the curve (`offCurve` decides; default the
   * ed25519 check, about 25 µs an owner: the largest CPU cost of a big snapshot, hence the pauses).
   */
  *finish(offCurve: (owner: Uint8Array) => boolean = (o) => !isOnCurve(o)): Work<HolderTable> {
    const n = this.count;
    const owners = this.owners;
    const amounts = this.amounts;
    const accounts = this.accounts;
    // The merger's arrays are handed over: this merger is spent.
    this.slots = new Int32Array(0);
    const flags = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (offCurve(owners.subarray(i * OWNER_BYTES, (i + 1) * OWNER_BYTES))) flags[i] = 1;
      if ((i & 63) === 63) yield;
    }
    // Float keys decide almost every comparison without allocating a bigint.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = Number(amounts[i] as bigint);
      if ((i & (PAUSE_EVERY - 1)) === 0) yield;
    }
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    yield* sortIndexes(order, (a, b) => {
      const ka = keys[a] as number;
      const kb = keys[b] as number;
      if (ka !== kb) return ka > kb ? -1 : 1;
      const x = amounts[a] as bigint;
      const y = amounts[b] as bigint;
      if (x !== y) return x > y ? -1 : 1;
      return compareOwnerAt(owners, a, owners, b * OWNER_BYTES);
    });
    const sortedOwners = new Uint8Array(n * OWNER_BYTES);
    const sortedAmounts = new BigUint64Array(n);
    const sortedAccounts = new Uint32Array(n);
    const sortedFlags = new Uint8Array(n);
    let total = 0n;
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      sortedOwners.set(owners.subarray(i * OWNER_BYTES, (i + 1) * OWNER_BYTES), k * OWNER_BYTES);
      sortedAmounts[k] = amounts[i] as bigint;
      total += amounts[i] as bigint;
      sortedAccounts[k] = accounts[i] as number;
      sortedFlags[k] = flags[i] as number;
      if ((k & (PAUSE_EVERY - 1)) === 0) yield;
    }
    this.owners = new Uint8Array(0);
    this.amounts = new BigUint64Array(0);
    this.accounts = new Uint32Array(0);
    this.count = 0;
    const table = new HolderTable(sortedOwners, sortedAmounts, sortedAccounts, sortedFlags);
    table.knownTotal = total;
    return table;
  }

  private grow(): void {
    // 1.5x: a big snapshot's last growth wastes less than doubling would.
    this.resize(Math.ceil(this.amounts.length * 1.5));
  }

  private resize(cap: number): void {
    const owners = new Uint8Array(cap * OWNER_BYTES);
    owners.set(this.owners);
    const amounts = new BigUint64Array(cap);
    amounts.set(this.amounts);
    const accounts = new Uint32Array(cap);
    accounts.set(this.accounts);
    this.owners = owners;
    this.amounts = amounts;
    this.accounts = accounts;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size).fill(-1);
    const mask = slots.length - 1;
    for (let row = 0; row < this.count; row++) {
      let slot = hashOwner(this.owners, row * OWNER_BYTES) & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = row;
    }
    this.slots = slots;
  }
}

/**
 * Owners are hashes or curve points, so their bytes are already uniform; bytes 0-1 are left out
 * because a split snapshot reads one owner prefix per part.
 */
export function hashOwner(data: Uint8Array, offset: number): number {
  const a = ((data[offset + 8] as number) | ((data[offset + 9] as number) << 8) | ((data[offset + 10] as number) << 16) | ((data[offset + 11] as number) << 24)) >>> 0;
  const b = ((data[offset + 20] as number) | ((data[offset + 21] as number) << 8) | ((data[offset + 22] as number) << 16) | ((data[offset + 23] as number) << 24)) >>> 0;
  return Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0;
}
