/**
 * A plan's recipients in compact form, as the snapshot's HolderTable keeps holders: per recipient a
 * 32-byte owner, the amount and the holding as u64 (what a transfer and a token balance are on
 * chain), and two flags, in typed arrays. A million recipients are ~50 MB here instead of a million
 * objects with base58 strings and bigints (~200 MB), and they are stored in chunks of these bytes
 * (ledger.ts) instead of one JSON value.
 *
 * Objects (`get`, iteration) are made only for the recipients someone looks at or pays.
 */
import bs58 from 'bs58';
import { base58, compareOwnerAt } from './holder-table.js';
import type { PlannedRecipient } from './ledger.js';
import { PAUSE_EVERY, runNow, type Work } from './work.js';

const OWNER_BYTES = 32;
const U64_MAX = (1n << 64n) - 1n;
const OFF_CURVE = 1;
const NEEDS_ACCOUNT = 2;
/** Bytes a recipient takes in a stored chunk: owner, amount, holding, flags. */
export const RECIPIENT_BYTES = OWNER_BYTES + 8 + 8 + 1;

export class RecipientTable implements Iterable<PlannedRecipient> {
  readonly length: number;

  constructor(
    /** 32 bytes per recipient. */
    readonly owners: Uint8Array,
    readonly amounts: BigUint64Array,
    readonly holdings: BigUint64Array,
    /** Bit 0: owner off the curve; bit 1: its token account did not exist at preview (the transfer carries a create). */
    readonly flags: Uint8Array,
  ) {
    this.length = amounts.length;
    if (owners.length !== this.length * OWNER_BYTES || holdings.length !== this.length || flags.length !== this.length) {
      throw new RangeError('RecipientTable: columns of different lengths');
    }
  }

  static empty(count: number): RecipientTable {
    return new RecipientTable(new Uint8Array(count * OWNER_BYTES), new BigUint64Array(count), new BigUint64Array(count), new Uint8Array(count));
  }

  /** Sets row `i`; the preview fills a table row by row. */
  set(i: number, owner: Uint8Array, amount: bigint, holding: bigint, offCurve: boolean, needsAccount: boolean): void {
    if (owner.length !== OWNER_BYTES) throw new RangeError(`recipient ${i}: an owner is 32 bytes, got ${owner.length}`);
    if (amount < 0n || amount > U64_MAX || holding < 0n || holding > U64_MAX) throw new RangeError(`recipient ${i}: amount and holding must be u64`);
    this.owners.set(owner, i * OWNER_BYTES);
    this.amounts[i] = amount;
    this.holdings[i] = holding;
    this.flags[i] = (offCurve ? OFF_CURVE : 0) | (needsAccount ? NEEDS_ACCOUNT : 0);
  }

  ownerBytes(i: number): Uint8Array {
    this.check(i);
    return this.owners.subarray(i * OWNER_BYTES, (i + 1) * OWNER_BYTES);
  }

  owner(i: number): string {
    return base58(this.ownerBytes(i));
  }

  amount(i: number): bigint {
    this.check(i);
    return this.amounts[i] as bigint;
  }

  holding(i: number): bigint {
    this.check(i);
    return this.holdings[i] as bigint;
  }

  offCurve(i: number): boolean {
    this.check(i);
    return ((this.flags[i] as number) & OFF_CURVE) !== 0;
  }

  needsAccount(i: number): boolean {
    this.check(i);
    return ((this.flags[i] as number) & NEEDS_ACCOUNT) !== 0;
  }

  /** Recipient `i` as an object: for the few that are shown or paid, not for walking the whole plan. */
  get(i: number): PlannedRecipient {
    return { owner: this.owner(i), amount: this.amount(i), holding: this.holding(i), offCurve: this.offCurve(i), needsAccount: this.needsAccount(i) };
  }

  *[Symbol.iterator](): Iterator<PlannedRecipient> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Every recipient as an object (tests, small plans). */
  toArray(): PlannedRecipient[] {
    return Array.from(this);
  }

  /** Recipients whose token account is created by their transfer. */
  countNeedingAccount(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (((this.flags[i] as number) & NEEDS_ACCOUNT) !== 0) n++;
    return n;
  }

  /**
   * Index of the recipient `owner` (base58), or -1. A scan of the owner bytes (a few ms for a
   * million), so that answering one holder's question keeps no index of every owner in memory.
   */
  indexOf(owner: string): number {
    let bytes: Uint8Array;
    try {
      bytes = bs58.decode(owner);
    } catch {
      return -1;
    }
    if (bytes.length !== OWNER_BYTES) return -1;
    const first = bytes[0] as number;
    const owners = this.owners;
    for (let i = 0; i < this.length; i++) {
      if (owners[i * OWNER_BYTES] === first && compareOwnerAt(owners, i, bytes, 0) === 0) return i;
    }
    return -1;
  }

  /** Recipients as objects, in this order (tests, plans of earlier versions): owners must be 32-byte addresses. */
  static fromRecipients(recipients: readonly PlannedRecipient[]): RecipientTable {
    const table = RecipientTable.empty(recipients.length);
    recipients.forEach((r, i) => {
      let bytes: Uint8Array;
      try {
        bytes = bs58.decode(r.owner);
      } catch {
        throw new RangeError(`recipient ${i}: "${r.owner}" is not a base58 address`);
      }
      table.set(i, bytes, r.amount, r.holding, r.offCurve, r.needsAccount);
    });
    return table;
  }

  // --- stored form: a chunk of rows [from, to) as owners | amounts | holdings | flags (little-endian u64) ---

  encodeChunk(from: number, to: number): Uint8Array {
    if (from < 0 || to > this.length || from > to) throw new RangeError(`chunk [${from}, ${to}) outside 0..${this.length}`);
    const n = to - from;
    const out = new Uint8Array(n * RECIPIENT_BYTES);
    out.set(this.owners.subarray(from * OWNER_BYTES, to * OWNER_BYTES), 0);
    const view = new DataView(out.buffer);
    for (let k = 0; k < n; k++) {
      view.setBigUint64(n * OWNER_BYTES + k * 8, this.amounts[from + k] as bigint, true);
      view.setBigUint64(n * (OWNER_BYTES + 8) + k * 8, this.holdings[from + k] as bigint, true);
    }
    out.set(this.flags.subarray(from, to), n * (OWNER_BYTES + 16));
    return out;
  }

  /** Fills rows from `from` with a chunk written by encodeChunk; returns how many rows it held. */
  decodeChunk(from: number, chunk: Uint8Array): number {
    if (chunk.length % RECIPIENT_BYTES !== 0) throw new RangeError(`a stored chunk of ${chunk.length} bytes is not whole recipients`);
    const n = chunk.length / RECIPIENT_BYTES;
    if (from + n > this.length) throw new RangeError(`a stored chunk of ${n} recipients at ${from} goes past the plan's ${this.length}`);
    this.owners.set(chunk.subarray(0, n * OWNER_BYTES), from * OWNER_BYTES);
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let k = 0; k < n; k++) {
      this.amounts[from + k] = view.getBigUint64(n * OWNER_BYTES + k * 8, true);
      this.holdings[from + k] = view.getBigUint64(n * (OWNER_BYTES + 8) + k * 8, true);
    }
    this.flags.set(chunk.subarray(n * (OWNER_BYTES + 16), n * RECIPIENT_BYTES), from);
    return n;
  }

  /** The sum of the amounts, pausing as it goes (a million bigint additions at once would hold the event loop). */
  *sumAmounts(): Work<bigint> {
    let sum = 0n;
    for (let i = 0; i < this.length; i++) {
      sum += this.amounts[i] as bigint;
      if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) yield;
    }
    return sum;
  }

  totalAmount(): bigint {
    return runNow(this.sumAmounts());
  }

  private check(i: number): void {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`recipient ${i} is not in a plan of ${this.length}`);
  }
}
