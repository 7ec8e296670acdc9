import type { RecipientFailure, TxRecord } from './ledger.js';
import type { RecipientTable } from './recipient-table.js';

export type RecipientStatus = 'pending' | 'in-flight' | 'paid' | 'failed';

/** One recipient's state, made only for a recipient someone looks at (a report row, a holder's question). */
export interface RecipientState {
  status: RecipientStatus;
  /** The transaction that paid the recipient, or the one it is waiting on. */
  signature?: string;
  reason?: string;
}

const PENDING = 0;
const IN_FLIGHT = 1;
const PAID = 2;
const FAILED = 3;
const STATUS: readonly RecipientStatus[] = ['pending', 'in-flight', 'paid', 'failed'];

/** How many recipients are in each state, and what those paid received. */
export interface StateCounts {
  recipients: number;
  paid: number;
  failed: number;
  inFlight: number;
  /** Base units. */
  paidAmount: bigint;
}

/**
 * Every recipient's state in compact form: a status code per recipient, the index of the
 * transaction that paid it or that it waits on, and the failures of the failed ones only. A
 * hundred thousand recipients are ~0.5 MB here instead of a hundred thousand objects; the object of
 * one recipient is made when someone asks for it (`state`).
 */
export class LedgerView {
  private readonly counts = [0, 0, 0, 0];

  constructor(
    /** One status code per recipient (see STATUS). */
    private readonly codes: Uint8Array,
    /** Per recipient, the index in `signatures` of its paying or pending transaction; -1 for none. */
    private readonly via: Int32Array,
    private readonly signatures: readonly string[],
    /** The recorded failures of the recipients that ended failed. */
    private readonly failures: ReadonlyMap<number, RecipientFailure>,
    /** Recipients found in more than one confirmed transaction: must never happen, and tests prove it doesn't. */
    readonly paidTwice: readonly number[],
  ) {
    for (const code of codes) (this.counts[code] as number)++;
  }

  get length(): number {
    return this.codes.length;
  }

  status(i: number): RecipientStatus {
    return STATUS[this.codes[i] ?? PENDING] as RecipientStatus;
  }

  /** Recipient `i`'s state as an object; pending for an index outside the plan. */
  state(i: number): RecipientState {
    const code = this.codes[i] ?? PENDING;
    if (code === FAILED) {
      const failure = this.failures.get(i) as RecipientFailure;
      return { status: 'failed', reason: failure.reason, ...(failure.signature ? { signature: failure.signature } : {}) };
    }
    if (code === PENDING) return { status: 'pending' };
    return { status: STATUS[code] as RecipientStatus, signature: this.signatures[this.via[i] as number] as string };
  }

  /** How many recipients have `status`. */
  count(status: RecipientStatus): number {
    return this.counts[STATUS.indexOf(status)] as number;
  }

  /** Indexes of the recipients with `status`, in plan order. */
  indexes(status: RecipientStatus): number[] {
    const code = STATUS.indexOf(status);
    const out: number[] = [];
    for (let i = 0; i < this.codes.length; i++) if (this.codes[i] === code) out.push(i);
    return out;
  }

  /** Indexes of recipients still owed a transfer, in plan order. */
  owed(): number[] {
    return this.indexes('pending');
  }

  /** Counts for a progress event; the paid amount is summed from the plan. */
  tally(recipients: RecipientTable): StateCounts {
    let paidAmount = 0n;
    for (let i = 0; i < this.codes.length; i++) if (this.codes[i] === PAID && i < recipients.length) paidAmount += recipients.amount(i);
    return { recipients: this.codes.length, paid: this.count('paid'), failed: this.count('failed'), inFlight: this.count('in-flight'), paidAmount };
  }

  /** Every state as an object (tests, small plans). */
  toArray(): RecipientState[] {
    return Array.from({ length: this.codes.length }, (_, i) => this.state(i));
  }
}

/**
 * What each recipient's state is, as a pure function of the plan size, the transaction log and the
 * recorded failures: paid by a confirmed transaction (the last one in the log), else in flight in a
 * signed one (the first), else failed when a failure is recorded, else pending. A recipient in an
 * unsettled transaction is in flight and may not be signed again: that is what makes payment
 * exactly-once.
 */
export function recipientStates(recipientCount: number, txs: readonly TxRecord[], failures: ReadonlyMap<number, RecipientFailure>): LedgerView {
  const codes = new Uint8Array(recipientCount);
  const via = new Int32Array(recipientCount).fill(-1);
  const paidTwice: number[] = [];
  txs.forEach((tx, t) => {
    if (tx.status !== 'confirmed') return;
    for (const i of tx.recipients) {
      if (!(i >= 0 && i < recipientCount)) continue;
      if (codes[i] === PAID) paidTwice.push(i);
      codes[i] = PAID;
      via[i] = t;
    }
  });
  txs.forEach((tx, t) => {
    if (tx.status !== 'signed') return;
    for (const i of tx.recipients) {
      if (i >= 0 && i < recipientCount && codes[i] === PENDING) {
        codes[i] = IN_FLIGHT;
        via[i] = t;
      }
    }
  });
  const failed = new Map<number, RecipientFailure>();
  for (const [i, failure] of failures) {
    if (i >= 0 && i < recipientCount && codes[i] === PENDING) {
      codes[i] = FAILED;
      failed.set(i, failure);
    }
  }
  return new LedgerView(
    codes,
    via,
    txs.map((tx) => tx.signature),
    failed,
    paidTwice,
  );
}

/**
 * The counts of `recipientStates`, kept up to date as the run writes transactions and failures
 * instead of recomputed for every progress event. Per recipient it counts the confirmed and the
 * signed transactions it is in and whether a failure is recorded; its state is the same function
 * of those as `recipientStates` (confirmed wins, then signed, then a failure), so every change of
 * a recipient moves it from one count to another exactly as a recomputation would
 * (test/engine-ledger.test.ts compares the two over random ledgers).
 */
export class StateTally implements StateCounts {
  readonly recipients: number;
  paid = 0;
  failed = 0;
  inFlight = 0;
  paidAmount = 0n;
  /** Transactions in the log, and those confirmed or failed. */
  transactions = 0;
  transactionsConfirmed = 0;
  transactionsFailed = 0;
  private readonly confirmedIn: Uint32Array;
  private readonly signedIn: Uint32Array;
  private readonly hasFailure: Uint8Array;

  constructor(private readonly table: RecipientTable) {
    this.recipients = table.length;
    this.confirmedIn = new Uint32Array(table.length);
    this.signedIn = new Uint32Array(table.length);
    this.hasFailure = new Uint8Array(table.length);
  }

  static of(table: RecipientTable, txs: readonly TxRecord[], failures: ReadonlyMap<number, RecipientFailure>): StateTally {
    const tally = new StateTally(table);
    for (const tx of txs) tally.tx(undefined, tx);
    tally.failures(new Map(), failures);
    return tally;
  }

  /** A transaction record is written: a new one (`before` undefined) or a new status of one. */
  tx(before: TxRecord | undefined, after: TxRecord): void {
    if (before) {
      this.transactions--;
      this.countTx(before.status, -1);
      this.move(before, -1);
    }
    this.transactions++;
    this.countTx(after.status, 1);
    this.move(after, 1);
  }

  /** The recorded failures change from `before` to `after`. */
  failures(before: ReadonlyMap<number, RecipientFailure>, after: ReadonlyMap<number, RecipientFailure>): void {
    for (const i of before.keys()) if (!after.has(i)) this.change(i, () => (this.hasFailure[i] = 0));
    for (const i of after.keys()) if (!before.has(i)) this.change(i, () => (this.hasFailure[i] = 1));
  }

  private countTx(status: TxRecord['status'], by: 1 | -1): void {
    if (status === 'confirmed') this.transactionsConfirmed += by;
    else if (status === 'failed') this.transactionsFailed += by;
  }

  private move(tx: TxRecord, by: 1 | -1): void {
    const counter = tx.status === 'confirmed' ? this.confirmedIn : tx.status === 'signed' ? this.signedIn : null;
    if (!counter) return;
    for (const i of tx.recipients) this.change(i, () => (counter[i] = (counter[i] as number) + by));
  }

  private code(i: number): number {
    if ((this.confirmedIn[i] as number) > 0) return PAID;
    if ((this.signedIn[i] as number) > 0) return IN_FLIGHT;
    return this.hasFailure[i] ? FAILED : PENDING;
  }

  /** Applies `mutate` to recipient `i` and moves it between counts; indexes outside the plan count for nothing, as in recipientStates. */
  private change(i: number, mutate: () => void): void {
    if (!(i >= 0 && i < this.recipients)) return;
    const from = this.code(i);
    mutate();
    const to = this.code(i);
    if (from === to) return;
    this.add(from, -1, i);
    this.add(to, 1, i);
  }

  private add(code: number, by: 1 | -1, i: number): void {
    if (code === PAID) {
      this.paid += by;
      this.paidAmount += by > 0 ? this.table.amount(i) : -this.table.amount(i);
    } else if (code === FAILED) this.failed += by;
    else if (code === IN_FLIGHT) this.inFlight += by;
  }
}
