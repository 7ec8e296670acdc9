import type { RecipientFailure, TxRecord } from './ledger.js';

export type RecipientStatus = 'pending' | 'in-flight' | 'paid' | 'failed';

export interface RecipientState {
  status: RecipientStatus;
  /** The transaction that paid the recipient, or the one it is waiting on. */
  signature?: string;
  reason?: string;
}

export interface LedgerView {
  states: RecipientState[];
  /** Recipients found in more than one confirmed transaction: must never happen, and tests prove it doesn't. */
  paidTwice: number[];
}

/**
 * What each recipient's state is, as a pure function of the plan size, the transaction log and the
 * recorded failures. A recipient in an unsettled transaction is in flight and may not be signed
 * again: that is what makes payment exactly-once.
 */
export function recipientStates(recipientCount: number, txs: readonly TxRecord[], failures: ReadonlyMap<number, RecipientFailure>): LedgerView {
  const states: RecipientState[] = Array.from({ length: recipientCount }, () => ({ status: 'pending' as RecipientStatus }));
  const paidTwice: number[] = [];
  for (const tx of txs) {
    if (tx.status !== 'confirmed') continue;
    for (const i of tx.recipients) {
      const s = states[i];
      if (!s) continue;
      if (s.status === 'paid') paidTwice.push(i);
      states[i] = { status: 'paid', signature: tx.signature };
    }
  }
  for (const tx of txs) {
    if (tx.status !== 'signed') continue;
    for (const i of tx.recipients) {
      const s = states[i];
      if (s && s.status === 'pending') states[i] = { status: 'in-flight', signature: tx.signature };
    }
  }
  for (const [i, failure] of failures) {
    const s = states[i];
    if (s && s.status === 'pending') states[i] = { status: 'failed', reason: failure.reason, ...(failure.signature ? { signature: failure.signature } : {}) };
  }
  return { states, paidTwice };
}

/** Indexes of recipients still owed a transfer, in plan order. */
export function owedRecipients(states: readonly RecipientState[]): number[] {
  const owed: number[] = [];
  states.forEach((s, i) => {
    if (s.status === 'pending') owed.push(i);
  });
  return owed;
}
