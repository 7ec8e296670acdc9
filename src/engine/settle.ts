import type { TransactionError } from '@solana/web3.js';
import type { TxRecord } from './ledger.js';

/** A signature's status as `getSignatureStatuses` returns it. */
export interface ObservedStatus {
  slot: number;
  err: TransactionError | null;
  confirmationStatus?: 'processed' | 'confirmed' | 'finalized' | null;
}

/**
 * What one poll of one endpoint says about the chain, gathered in one JSON-RPC batch so that no
 * part of it comes from another node (docs/exactly-once.md).
 */
export interface PollEvidence {
  /** The finalized bank when the poll was made (getEpochInfo at `finalized`); null if not read. */
  finalized: { slot: number; blockHeight: number } | null;
  /** `context.slot` of the status lookup: the bank the node answered from. */
  statusContextSlot: number;
  /** The lookup searched the node's transaction history, not only its recent status cache. */
  historySearched: boolean;
  /**
   * The oldest slot the node's ledger still holds (`minimumLedgerSlot`); null if it did not say.
   * A node that pruned its ledger finds nothing older, landed or not.
   */
  firstAvailableSlot: number | null;
}

/** `getTransaction` for the same signature, from the same endpoint, in the same poll. */
export type TransactionLookup = 'absent' | 'found' | 'unavailable' | 'not-asked';

/** Why a transaction's fate is not known yet: what evidence is missing. */
export type MissingEvidence =
  /** Broadcast, not seen yet, and it may still land: wait. */
  | 'may-still-land'
  /** Seen only at `processed`: on a fork that may be abandoned. */
  | 'seen-only-at-processed'
  /** No finalized block height was read in this poll. */
  | 'no-height-reading'
  /** The node searched only its recent status cache (it keeps no history: -32011). */
  | 'no-history'
  /** The status lookup answered from a bank older than the height reading (a lagging node). */
  | 'status-behind-height'
  /** getTransaction was not asked, failed, or contradicted the status lookup. */
  | 'transaction-lookup'
  /** The node's ledger does not reach back to when the transaction was signed (or it did not say how far). */
  | 'history-pruned';

export type Settlement =
  | { outcome: 'confirmed'; slot: number }
  | { outcome: 'failed'; error: TransactionError; slot: number }
  | { outcome: 'expired' }
  | { outcome: 'unknown'; missing: MissingEvidence };

/**
 * The one proof of what became of a broadcast transaction (docs/invariants.md invariant 3).
 *
 * Landed: seen at `confirmed` or `finalized`, with its error if it failed. A failure seen only at
 * `processed` is not final: that fork can be abandoned and the same bytes land on another.
 *
 * Expired (its recipients may be signed anew) only when all of these hold, all from one endpoint
 * in one poll: the finalized block height is past the transaction's `lastValidBlockHeight`; a
 * status lookup that searched the transaction history, answered from a bank at or after the slot
 * of that height reading, from a node whose ledger reaches back to when it was signed, does not
 * find it; and `getTransaction` does not find it either.
 * Anything less is "unknown": ask again later.
 */
export function settle(tx: Pick<TxRecord, 'lastValidBlockHeight' | 'signedSlot'>, status: ObservedStatus | null, evidence: PollEvidence, lookup: TransactionLookup): Settlement {
  if (status) {
    if (status.confirmationStatus !== 'confirmed' && status.confirmationStatus !== 'finalized') {
      return { outcome: 'unknown', missing: status.err ? 'seen-only-at-processed' : 'may-still-land' };
    }
    if (status.err) return { outcome: 'failed', error: status.err, slot: status.slot };
    return { outcome: 'confirmed', slot: status.slot };
  }
  const { finalized } = evidence;
  if (!finalized) return { outcome: 'unknown', missing: 'no-height-reading' };
  if (finalized.blockHeight <= tx.lastValidBlockHeight) return { outcome: 'unknown', missing: 'may-still-land' };
  if (!evidence.historySearched) return { outcome: 'unknown', missing: 'no-history' };
  if (evidence.statusContextSlot < finalized.slot) return { outcome: 'unknown', missing: 'status-behind-height' };
  // History that starts after the transaction was signed cannot say it never landed.
  if (evidence.firstAvailableSlot === null || (tx.signedSlot !== undefined && evidence.firstAvailableSlot > tx.signedSlot)) {
    return { outcome: 'unknown', missing: 'history-pruned' };
  }
  if (lookup !== 'absent') return { outcome: 'unknown', missing: 'transaction-lookup' };
  return { outcome: 'expired' };
}
