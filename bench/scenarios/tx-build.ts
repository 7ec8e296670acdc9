import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import type { PlannedRecipient } from '../../src/engine/ledger.js';
import { RecipientTable } from '../../src/engine/recipient-table.js';
import { TransferBuilder } from '../../src/engine/tx-builder.js';
import type { RewardAsset } from '../../src/engine/types.js';
import { median } from '../lib/stats.js';

export interface TxBuildResult {
  recipients: number;
  transactions: number;
  recipientsPerTx: number;
  txPerS: number;
  /** Each round's time for all the transactions, ms. */
  roundsMs: number[];
}

/**
 * How fast the engine turns planned recipients into signed, serialized transactions: SPL
 * TransferChecked with an idempotent ATA create per recipient (the heaviest common case), no RPC.
 * The executor does exactly this per transaction (`build` packs, compiles and signs, and hands it
 * the wire bytes) before writing it ahead.
 */
export function benchTxBuild(recipientCount: number, rounds: number): TxBuildResult {
  const payer = Keypair.fromSeed(new Uint8Array(32).fill(7));
  const reward: RewardAsset = {
    kind: 'spl',
    mint: Keypair.fromSeed(new Uint8Array(32).fill(8)).publicKey.toBase58(),
    program: 'spl-token',
    programId: TOKEN_PROGRAM_ID.toBase58(),
    decimals: 6,
    symbol: 'RWD',
  };
  const list: PlannedRecipient[] = Array.from({ length: recipientCount }, (_, i) => ({
    owner: Keypair.fromSeed(Uint8Array.from({ length: 32 }, (_, k) => (i * 31 + k * 7 + 1) % 256)).publicKey.toBase58(),
    amount: BigInt(1_000_000 + i),
    holding: 1n,
    offCurve: false,
    needsAccount: true,
  }));
  const recipients = RecipientTable.fromRecipients(list);
  const blockhash = new PublicKey(Uint8Array.from({ length: 32 }, (_, k) => k + 1)).toBase58();

  const run = (): { ms: number; transactions: number } => {
    const builder = new TransferBuilder({ payer, reward, computeUnitPrice: 1_000, maxRecipients: null });
    let queue = list.map((_, i) => i);
    let transactions = 0;
    let bytes = 0;
    const t0 = performance.now();
    while (queue.length > 0) {
      const built = builder.build(queue, recipients, blockhash);
      bytes += built.wire.length; // what the executor broadcasts
      transactions++;
      queue = queue.slice(built.recipients.length);
    }
    const ms = performance.now() - t0;
    if (bytes === 0) throw new Error('no transaction bytes');
    return { ms, transactions };
  };

  const roundsMs: number[] = [];
  let transactions = 0;
  for (let r = 0; r < rounds; r++) {
    const a = run();
    roundsMs.push(a.ms);
    transactions = a.transactions;
  }
  return {
    recipients: recipientCount,
    transactions,
    recipientsPerTx: recipientCount / transactions,
    txPerS: transactions / (median(roundsMs) / 1000),
    roundsMs,
  };
}
