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
  TransactionInstruction,
  type Keypair,
} from '@solana/web3.js';
import bs58 from 'bs58';
import { compileLegacyMessage, singleSignerWire } from '../solana/legacy-message.js';
import { nativeSigner } from '../solana/signer.js';
import { associatedTokenAddress } from './ata.js';
import type { RecipientTable } from './recipient-table.js';
import type { RewardAsset } from './types.js';

/** Compute units allowed per instruction; generous so a batch never runs out (docs/solana-rpc-behaviour.md: 8 pairs ~ 227k). */
const CU = {
  base: 2_000,
  memo: 5_000,
  solTransfer: 300,
  createAccount: { 'spl-token': 32_000, 'spl-token-2022': 45_000 },
  transferChecked: { 'spl-token': 8_000, 'spl-token-2022': 14_000 },
} as const;
const MAX_CU_PER_TX = 1_400_000;
/** Keys a legacy transaction may reference. */
const MAX_ACCOUNTS = 64;

export interface BuiltTransaction {
  /** The signed transaction as broadcast. */
  wire: Buffer;
  signature: string;
  instructions: TransactionInstruction[];
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
  /**
   * A memo carried by every transaction (distributionTag). It makes the bytes of two distributions
   * differ: two plans paying the same share to the same holder would otherwise sign identical
   * transactions under one blockhash, the chain would run them once, and both ledgers would see
   * that one signature confirmed.
   */
  memo?: string;
}

/** SPL Memo v2: logs its data, needs no accounts. */
const MEMO_PROGRAM_ID = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');

/** The memo of a distribution's transactions: its id and round, so no two distributions or rounds share bytes. */
export function distributionTag(planId: string, round: number): string {
  return `tributary:${planId}:${round}`;
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
  /** The mint's and token program's bytes, for ata.ts. */
  private readonly mintBytes: Uint8Array | null;
  private readonly programBytes: Uint8Array | null;
  private readonly base58 = new WeakMap<PublicKey, string>();
  private readonly sign: (message: Uint8Array) => Buffer;

  constructor(private readonly opts: TransferBuilderOptions) {
    this.sign = nativeSigner(opts.payer);
    const { reward } = opts;
    if (reward.kind === 'spl') {
      this.mint = new PublicKey(reward.mint);
      this.programId = new PublicKey(reward.programId);
      this.source = getAssociatedTokenAddressSync(this.mint, opts.payer.publicKey, true, this.programId);
      this.mintBytes = this.mint.toBytes();
      this.programBytes = this.programId.toBytes();
    } else {
      this.mint = this.programId = this.source = null;
      this.mintBytes = this.programBytes = null;
    }
  }

  /** The payer's account the reward is paid from (the payer itself for SOL). */
  get sourceAccount(): PublicKey {
    return this.source ?? this.opts.payer.publicKey;
  }

  /** Builds one signed transaction from the front of `queue` (recipient indexes); it takes at least one. */
  build(queue: readonly number[], recipients: RecipientTable, blockhash: string, limit?: number): BuiltTransaction {
    const cap = Math.min(limit ?? Infinity, this.opts.maxRecipients ?? Infinity, queue.length);
    if (cap < 1) throw new RangeError(`nothing to build: ${queue.length} queued, limit ${limit ?? 'none'}`);
    // The message size is counted as recipients are added, from the legacy wire format, instead of
    // compiling the message once per candidate: compiling dominated the cost of a transaction.
    const base = CU.base + (this.opts.memo ? CU.memo : 0);
    const budget = this.budgetInstructions(base);
    const keys = new Set<string>([this.keyString(this.opts.payer.publicKey), this.keyString(ComputeBudgetProgram.programId)]);
    let instructionCount = budget.length;
    let instructionBytes = budget.reduce((sum, ix) => sum + compiledInstructionBytes(ix), 0);
    const parts: { index: number; ixs: TransactionInstruction[]; cu: number }[] = [];
    let cu = base;
    for (let k = 0; k < cap; k++) {
      const index = queue[k] as number;
      const part = this.instructionsFor(index, recipients);
      const added = new Set<string>();
      for (const ix of part.ixs) {
        for (const key of [ix.programId, ...ix.keys.map((m) => m.pubkey)]) {
          const s = this.keyString(key);
          if (!keys.has(s)) added.add(s);
        }
      }
      const keyCount = keys.size + added.size;
      const partBytes = part.ixs.reduce((sum, ix) => sum + compiledInstructionBytes(ix), 0);
      const size = legacyTransactionSize(keyCount, instructionCount + part.ixs.length, instructionBytes + partBytes);
      if (parts.length > 0 && (keyCount > MAX_ACCOUNTS || cu + part.cu > MAX_CU_PER_TX || size > PACKET_DATA_SIZE)) break;
      parts.push(part);
      cu += part.cu;
      for (const s of added) keys.add(s);
      instructionCount += part.ixs.length;
      instructionBytes += partBytes;
    }
    const instructions = [...this.budgetInstructions(cu), ...parts.flatMap((p) => p.ixs)];
    const message = compileLegacyMessage(this.opts.payer.publicKey, blockhash, instructions);
    const signature = this.sign(message);
    return {
      wire: singleSignerWire(signature, message),
      signature: bs58.encode(signature),
      instructions,
      recipients: parts.map((p) => p.index),
      instructionOwner: [...Array<number>(budget.length).fill(-1), ...parts.flatMap((p) => p.ixs.map(() => p.index))],
      computeUnitLimit: cu,
    };
  }

  /** base58 of a key, computed once: web3.js encodes afresh on every call. */
  private keyString(key: PublicKey): string {
    let s = this.base58.get(key);
    if (s === undefined) this.base58.set(key, (s = key.toBase58()));
    return s;
  }

  private instructionsFor(index: number, recipients: RecipientTable): { index: number; ixs: TransactionInstruction[]; cu: number } {
    const payer = this.opts.payer.publicKey;
    const ownerBytes = recipients.ownerBytes(index);
    const owner = new PublicKey(ownerBytes);
    const amount = recipients.amount(index);
    const { reward } = this.opts;
    if (reward.kind === 'sol') {
      return { index, ixs: [SystemProgram.transfer({ fromPubkey: payer, toPubkey: owner, lamports: amount })], cu: CU.solTransfer };
    }
    const mint = this.mint as PublicKey;
    const programId = this.programId as PublicKey;
    // Off-curve owners (pools, vaults) are allowed, as getAssociatedTokenAddressSync(…, true, …) allows them.
    const destination = new PublicKey(associatedTokenAddress(this.mintBytes as Uint8Array, ownerBytes, this.programBytes as Uint8Array));
    const ixs: TransactionInstruction[] = [];
    let cu = CU.transferChecked[reward.program];
    if (recipients.needsAccount(index)) {
      ixs.push(createAssociatedTokenAccountIdempotentInstruction(payer, destination, owner, mint, programId, ASSOCIATED_TOKEN_PROGRAM_ID));
      cu += CU.createAccount[reward.program];
    }
    ixs.push(createTransferCheckedInstruction(this.source as PublicKey, mint, destination, payer, amount, reward.decimals, [], programId));
    return { index, ixs, cu };
  }

  /** The instructions before the transfers: compute budget, and the memo. */
  private budgetInstructions(cu: number): TransactionInstruction[] {
    const ixs = [ComputeBudgetProgram.setComputeUnitLimit({ units: cu })];
    if (this.opts.computeUnitPrice > 0) ixs.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: this.opts.computeUnitPrice }));
    if (this.opts.memo) ixs.push(new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(this.opts.memo, 'utf8') }));
    return ixs;
  }

}

/** Bytes of Solana's compact-u16 length prefix. */
function compactLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

/** One compiled instruction on the wire: program index, account indexes, data. */
function compiledInstructionBytes(ix: TransactionInstruction): number {
  return 1 + compactLength(ix.keys.length) + ix.keys.length + compactLength(ix.data.length) + ix.data.length;
}

/** A legacy transaction with one signature: signatures, header, keys, blockhash, instructions. */
function legacyTransactionSize(keyCount: number, instructionCount: number, instructionBytes: number): number {
  return compactLength(1) + 64 + 3 + compactLength(keyCount) + 32 * keyCount + 32 + compactLength(instructionCount) + instructionBytes;
}

/** Lamports a transaction costs: 5,000 per signature plus the priority fee, rounded up (docs/solana-rpc-behaviour.md). */
export function transactionFee(computeUnitLimit: number, computeUnitPrice: number): bigint {
  const priority = (BigInt(computeUnitPrice) * BigInt(computeUnitLimit) + 999_999n) / 1_000_000n;
  return 5_000n + priority;
}
