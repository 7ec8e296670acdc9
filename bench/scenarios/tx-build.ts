import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import type { PlannedRecipient } from '../../src/engine/ledger.js';
import { TransferBuilder } from '../../src/engine/tx-builder.js';
import type { RewardAsset } from '../../src/engine/types.js';
import { fastBuild, prototypeApplicable } from '../prototypes/fast-tx-builder.js';
import { median } from '../lib/stats.js';

export interface TxBuildResult {
  recipients: number;
  transactions: number;
  recipientsPerTx: number;
  txPerS: number;
  /** The bench/prototypes builder, same inputs; null when src no longer has the code it replaces. */
  prototypeTxPerS: number | null;
  /** Every transaction of the prototype was byte-identical to the engine's; null when not run. */
  prototypeIdentical: boolean | null;
}

/**
 * How fast the engine turns planned recipients into signed, serialized transactions: SPL
 * TransferChecked with an idempotent ATA create per recipient (the heaviest common case), no RPC.
 * The executor does exactly this per transaction (build, sign, serialize) before writing it ahead.
 */
export function benchTxBuild(recipientCount: number, rounds: number): TxBuildResult {
  const payer = Keypair.fromSeed(new Uint8Array(32).fill(7));
  const reward: RewardAsset = { kind: 'spl', mint: Keypair.fromSeed(new Uint8Array(32).fill(8)).publicKey.toBase58(), program: 'spl-token', programId: TOKEN_PROGRAM_ID.toBase58(), decimals: 6, symbol: 'RWD' };
  const recipients: PlannedRecipient[] = Array.from({ length: recipientCount }, (_, i) => ({
    owner: Keypair.fromSeed(Uint8Array.from({ length: 32 }, (_, k) => (i * 31 + k * 7 + 1) % 256)).publicKey.toBase58(),
    amount: BigInt(1_000_000 + i),
    holding: 1n,
    offCurve: false,
    needsAccount: true,
  }));
  const blockhash = new PublicKey(Uint8Array.from({ length: 32 }, (_, k) => k + 1)).toBase58();

  // Called loosely: build()'s parameters are changing in src (lastValidBlockHeight is going away),
  // and a blockhash with no height is all either shape needs here.
  type Built = { recipients: number[]; wire?: Buffer; tx?: { serialize(): Buffer } };
  type Build = (queue: readonly number[], recipients: readonly PlannedRecipient[], blockhash: string) => Built;
  const run = (fast: boolean): { ms: number; wires: Buffer[] } => {
    const builder = new TransferBuilder({ payer, reward, computeUnitPrice: 1_000, maxRecipients: null });
    const build = (fast ? fastBuild : builder.build).bind(builder) as unknown as Build;
    let queue = recipients.map((_, i) => i);
    const wires: Buffer[] = [];
    const t0 = performance.now();
    while (queue.length > 0) {
      const built = build(queue, recipients, blockhash);
      // What the executor broadcasts: `wire` where the builder provides it, else the serialized transaction.
      wires.push(built.wire ?? (built.tx as { serialize(): Buffer }).serialize());
      queue = queue.slice(built.recipients.length);
    }
    return { ms: performance.now() - t0, wires };
  };

  const withPrototype = prototypeApplicable();
  const engineMs: number[] = [];
  const fastMs: number[] = [];
  let identical = true;
  let transactions = 0;
  for (let r = 0; r < rounds; r++) {
    const a = run(false);
    engineMs.push(a.ms);
    transactions = a.wires.length;
    if (!withPrototype) continue;
    const b = run(true);
    fastMs.push(b.ms);
    identical &&= a.wires.length === b.wires.length && a.wires.every((w, i) => w.equals(b.wires[i] as Buffer));
  }
  return {
    recipients: recipientCount,
    transactions,
    recipientsPerTx: recipientCount / transactions,
    txPerS: transactions / (median(engineMs) / 1000),
    prototypeTxPerS: withPrototype ? transactions / (median(fastMs) / 1000) : null,
    prototypeIdentical: withPrototype ? identical : null,
  };
}
