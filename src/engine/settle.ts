import type { SignatureStatus, TransactionError } from '@solana/web3.js';
import type { TxRecord } from './ledger.js';

export type Settlement =
  | { outcome: 'confirmed'; slot: number }
  | { outcome: 'failed'; error: TransactionError; slot: number }
  | { outcome: 'expired' }
  | { outcome: 'unknown' };

/**
 * What became of a broadcast transaction. It has expired only when the chain's block height
 * (read BEFORE the status, at finalized commitment) passed its lastValidBlockHeight and the
 * signature is still not found: only then can it never land, and its recipients be signed anew.
 */
export function settle(tx: Pick<TxRecord, 'lastValidBlockHeight'>, status: SignatureStatus | null, blockHeightBeforeStatus: number | null): Settlement {
  if (status) {
    if (status.err) return { outcome: 'failed', error: status.err, slot: status.slot };
    if (status.confirmationStatus === 'confirmed' || status.confirmationStatus === 'finalized') return { outcome: 'confirmed', slot: status.slot };
    return { outcome: 'unknown' };
  }
  if (blockHeightBeforeStatus !== null && blockHeightBeforeStatus > tx.lastValidBlockHeight) return { outcome: 'expired' };
  return { outcome: 'unknown' };
}
