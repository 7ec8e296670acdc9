import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import {
  ComputeBudgetProgram,
  PACKET_DATA_SIZE,
  PublicKey,
  SystemProgram,
  Transaction,
  type Keypair,
  type TransactionInstruction,
} from '@solana/web3.js';
import type { PlannedRecipient } from './ledger.js';
import type { RewardAsset } from './types.js';

/** Compute units allowed per instruction; generous so a batch never runs out (FACTS.md: 8 pairs ~ 227k). */
const CU = {
  base: 2_000,
  solTransfer: 300,
  createAccount: { 'spl-token': 32_000, 'spl-token-2022': 45_000 },
  transferChecked: { 'spl-token': 8_000, 'spl-token-2022': 14_000 },
} as const;
const MAX_CU_PER_TX = 1_400_000;
/** Keys a legacy transaction may reference. */
const MAX_ACCOUNTS = 64;

export interface BuiltTransaction {
  tx: Transaction;
  /** Recipient indexes it pays, in order; instruction i of a recipient is known from `instructionOwner`. */
  recipients: number[];
  /** Which recipient each instruction belongs to (-1 for compute-budget instructions). */
  instructionOwner: number[];
  computeUnitLimit: number;
}

export interface TransferBuilderOptions {
  payer: Keypair;
  reward: RewardAsset;
  /** micro-lamports per compute unit; 0 for none. */
  computeUnitPrice: number;
  /** Upper bound on recipients per transaction; null for as many as fit. */
  maxRecipients: number | null;
}

/**
 * Packs transfers into legacy transactions: as many recipients as fit in 1,232 bytes, 64 accounts
 * and the compute budget, each recipient's instructions adjacent so a failing instruction names its
 * recipient. SPL transfers to a missing account carry an idempotent create.
 */
export class TransferBuilder {
  private readonly source: PublicKey | null;
  private readonly mint: PublicKey | null;
  private readonly programId: PublicKey | null;

  constructor(private readonly opts: TransferBuilderOptions) {
    const { reward } = opts;
    if (reward.kind === 'spl') {
      this.mint = new PublicKey(reward.mint);
      this.programId = new PublicKey(reward.programId);
      this.source = getAssociatedTokenAddressSync(this.mint, opts.payer.publicKey, true, this.programId);
    } else {
      this.mint = this.programId = this.source = null;
    }
  }

  /** The payer's account the reward is paid from (the payer itself for SOL). */
  get sourceAccount(): PublicKey {
    return this.source ?? this.opts.payer.publicKey;
  }

  /** Builds one signed transaction from the front of `queue` (recipient indexes); it takes at least one. */
  build(queue: readonly number[], recipients: readonly PlannedRecipient[], blockhash: string, lastValidBlockHeight: number, limit?: number): BuiltTransaction {
    const cap = Math.min(limit ?? Infinity, this.opts.maxRecipients ?? Infinity, queue.length);
    const parts: { index: number; ixs: TransactionInstruction[]; cu: number }[] = [];
    let cu = CU.base;
    const keys = new Set<string>();
    for (let k = 0; k < cap; k++) {
      const index = queue[k] as number;
      const part = this.instructionsFor(index, recipients[index] as PlannedRecipient);
      const newKeys = part.ixs.flatMap((ix) => [ix.programId, ...ix.keys.map((m) => m.pubkey)]).map((p) => p.toBase58());
      const keyCount = new Set([...keys, ...newKeys, this.opts.payer.publicKey.toBase58(), ComputeBudgetProgram.programId.toBase58()]).size;
      if (parts.length > 0 && (keyCount > MAX_ACCOUNTS || cu + part.cu > MAX_CU_PER_TX)) break;
      const candidate = [...parts, part];
      if (parts.length > 0 && this.size(candidate, cu + part.cu, blockhash) > PACKET_DATA_SIZE) break;
      parts.push(part);
      cu += part.cu;
      for (const key of newKeys) keys.add(key);
    }
    const tx = this.assemble(parts, cu, blockhash, lastValidBlockHeight);
    tx.sign(this.opts.payer);
    const budgetIxs = this.budgetInstructions(cu).length;
    return {
      tx,
      recipients: parts.map((p) => p.index),
      instructionOwner: [...Array<number>(budgetIxs).fill(-1), ...parts.flatMap((p) => p.ixs.map(() => p.index))],
      computeUnitLimit: cu,
    };
  }

  private instructionsFor(index: number, r: PlannedRecipient): { index: number; ixs: TransactionInstruction[]; cu: number } {
    const payer = this.opts.payer.publicKey;
    const owner = new PublicKey(r.owner);
    const { reward } = this.opts;
    if (reward.kind === 'sol') {
      return { index, ixs: [SystemProgram.transfer({ fromPubkey: payer, toPubkey: owner, lamports: r.amount })], cu: CU.solTransfer };
    }
    const mint = this.mint as PublicKey;
    const programId = this.programId as PublicKey;
    const destination = getAssociatedTokenAddressSync(mint, owner, true, programId);
    const ixs: TransactionInstruction[] = [];
    let cu = CU.transferChecked[reward.program];
    if (r.needsAccount) {
      ixs.push(createAssociatedTokenAccountIdempotentInstruction(payer, destination, owner, mint, programId, ASSOCIATED_TOKEN_PROGRAM_ID));
      cu += CU.createAccount[reward.program];
    }
    ixs.push(createTransferCheckedInstruction(this.source as PublicKey, mint, destination, payer, r.amount, reward.decimals, [], programId));
    return { index, ixs, cu };
  }

  private budgetInstructions(cu: number): TransactionInstruction[] {
    const ixs = [ComputeBudgetProgram.setComputeUnitLimit({ units: cu })];
    if (this.opts.computeUnitPrice > 0) ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: this.opts.computeUnitPrice }));
    return ixs;
  }

  private assemble(parts: { ixs: TransactionInstruction[] }[], cu: number, blockhash: string, lastValidBlockHeight: number): Transaction {
    return new Transaction({ feePayer: this.opts.payer.publicKey, blockhash, lastValidBlockHeight }).add(
      ...this.budgetInstructions(cu),
      ...parts.flatMap((p) => p.ixs),
    );
  }

  /** Serialized size with one signature: compact length (1) + 64 bytes + the message. */
  private size(parts: { ixs: TransactionInstruction[] }[], cu: number, blockhash: string): number {
    const tx = this.assemble(parts, cu, blockhash, 0);
    return 1 + 64 + tx.serializeMessage().length;
  }
}

/** Lamports a transaction costs: 5,000 per signature plus the priority fee, rounded up (FACTS.md). */
export function transactionFee(computeUnitLimit: number, computeUnitPrice: number): bigint {
  const priority = (BigInt(computeUnitPrice) * BigInt(computeUnitLimit) + 999_999n) / 1_000_000n;
  return 5_000n + priority;
}
