import { ASSOCIATED_TOKEN_PROGRAM_ID, createAssociatedTokenAccountIdempotentInstruction, createTransferCheckedInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { ComputeBudgetProgram, PACKET_DATA_SIZE, PublicKey, SystemProgram, TransactionInstruction, type Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { compileLegacyMessage, singleSignerWire } from '../solana/legacy-message.js';
import { compileV0Message, LookupTableIndex, type LookupTableContents } from '../solana/v0-message.js';
import { nativeSigner } from '../solana/signer.js';
import { associatedTokenAddress } from './ata.js';
import { runNow, runSliced, type Work } from './work.js';
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
/** Accounts a transaction may reference (lock), loaded from lookup tables included. */
const MAX_ACCOUNTS = 64;
/** Instructions a transaction may run, the programs' own calls (inner instructions) included. */
const MAX_INSTRUCTION_TRACE = 64;
/**
 * Inner instructions of an idempotent associated-account create that creates, at most: the size,
 * two initializes, and the system program's create (1), or, when the address already holds
 * lamports, its transfer, allocate and assign (3). Anyone can send lamports to an address whose
 * account is not made yet, so every create is counted at the larger figure: counted at the smaller,
 * a few such addresses among the first recipients made the preview's simulation fail
 * (MaxInstructionTraceLengthExceeded) and blocked the plan.
 */
const CREATE_INNER_INSTRUCTIONS = 6;

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
  /**
   * Address lookup tables holding recipients' accounts (lookup-tables.ts): transactions become v0
   * and name an account a table holds by one byte instead of 32, so more transfers fit in each.
   */
  lookupTables?: readonly LookupTableContents[];
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
  private readonly lookups: LookupTableIndex | null;

  constructor(private readonly opts: TransferBuilderOptions) {
    this.sign = nativeSigner(opts.payer);
    this.lookups = opts.lookupTables?.length ? new LookupTableIndex(opts.lookupTables) : null;
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
    // The message size is counted as recipients are added, from the wire format, instead of
    // compiling the message once per candidate: compiling dominated the cost of a transaction.
    const base = CU.base + (this.opts.memo ? CU.memo : 0);
    const budget = this.budgetInstructions(base);
    // The payer and every key of the instructions before the transfers (compute budget, memo) are in
    // every message: counting only some of them let a transaction grow past the packet size.
    const keys = new Set<string>([this.keyString(this.opts.payer.publicKey)]);
    for (const ix of budget) {
      keys.add(this.keyString(ix.programId));
      for (const m of ix.keys) keys.add(this.keyString(m.pubkey));
    }
    /** Keys loaded from a lookup table, and the tables they come from. */
    const loaded = new Set<string>();
    const tables = new Set<number>();
    let trace = budget.length;
    let instructionCount = budget.length;
    let instructionBytes = budget.reduce((sum, ix) => sum + compiledInstructionBytes(ix), 0);
    const parts: { index: number; ixs: TransactionInstruction[]; cu: number; trace: number }[] = [];
    let cu = base;
    for (let k = 0; k < cap; k++) {
      const index = queue[k] as number;
      const part = this.instructionsFor(index, recipients);
      const added = new Set<string>();
      const addedLoaded = new Set<string>();
      const addedTables = new Set<number>();
      for (const ix of part.ixs) {
        ix.keys.forEach((m) => {
          const s = this.keyString(m.pubkey);
          if (keys.has(s) || loaded.has(s) || added.has(s) || addedLoaded.has(s)) return;
          // A signer stays in the message; so does a program (programs are never table entries here).
          const at = this.lookups && !m.isSigner ? this.lookups.find(m.pubkey) : undefined;
          if (at) {
            addedLoaded.add(s);
            if (!tables.has(at.table)) addedTables.add(at.table);
          } else added.add(s);
        });
        const program = this.keyString(ix.programId);
        if (!keys.has(program)) added.add(program);
      }
      const staticCount = keys.size + added.size;
      const loadedCount = loaded.size + addedLoaded.size;
      const partBytes = part.ixs.reduce((sum, ix) => sum + compiledInstructionBytes(ix), 0);
      const legacySize = legacyTransactionSize(staticCount, instructionCount + part.ixs.length, instructionBytes + partBytes);
      const size = this.lookups ? legacySize + lookupBytes(tables.size + addedTables.size, loadedCount) : legacySize;
      if (parts.length > 0 && (staticCount + loadedCount > MAX_ACCOUNTS || cu + part.cu > MAX_CU_PER_TX || size > PACKET_DATA_SIZE || trace + part.trace > MAX_INSTRUCTION_TRACE)) {
        break;
      }
      parts.push(part);
      cu += part.cu;
      trace += part.trace;
      for (const s of added) keys.add(s);
      for (const s of addedLoaded) loaded.add(s);
      for (const t of addedTables) tables.add(t);
      instructionCount += part.ixs.length;
      instructionBytes += partBytes;
    }
    const instructions = [...this.budgetInstructions(cu), ...parts.flatMap((p) => p.ixs)];
    const message = this.lookups
      ? compileV0Message(this.opts.payer.publicKey, blockhash, instructions, this.lookups)
      : compileLegacyMessage(this.opts.payer.publicKey, blockhash, instructions);
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

  /**
   * `queue` in the order the recipients' accounts sit in the lookup tables (recipients no table
   * holds last), so the recipients of one transaction share one or two tables. Unchanged without tables.
   */
  lookupOrder(queue: readonly number[], recipients: RecipientTable): number[] {
    return runNow(this.lookupOrderWork(queue, recipients));
  }

  /** lookupOrder in slices, serving other work between them: for a run's whole queue. */
  lookupOrderSliced(queue: readonly number[], recipients: RecipientTable): Promise<number[]> {
    return runSliced(this.lookupOrderWork(queue, recipients));
  }

  /** Deriving 10,000 token account addresses takes a second or more: done in slices (work.ts). */
  private *lookupOrderWork(queue: readonly number[], recipients: RecipientTable): Work<number[]> {
    const lookups = this.lookups;
    if (!lookups) return [...queue];
    const positions = new Float64Array(queue.length);
    for (let k = 0; k < queue.length; k++) {
      const owner = recipients.ownerBytes(queue[k] as number);
      const key = this.mintBytes && this.programBytes ? associatedTokenAddress(this.mintBytes, owner, this.programBytes) : owner;
      const at = lookups.findBytes(key);
      positions[k] = at ? at.table * 256 + at.index : Number.MAX_SAFE_INTEGER;
      if ((k & 63) === 63) yield;
    }
    return queue
      .map((i, k) => ({ i, p: positions[k] as number }))
      .sort((a, b) => a.p - b.p)
      .map((e) => e.i);
  }

  /** base58 of a key, computed once: web3.js encodes afresh on every call. */
  private keyString(key: PublicKey): string {
    let s = this.base58.get(key);
    if (s === undefined) this.base58.set(key, (s = key.toBase58()));
    return s;
  }

  private instructionsFor(index: number, recipients: RecipientTable): { index: number; ixs: TransactionInstruction[]; cu: number; trace: number } {
    const payer = this.opts.payer.publicKey;
    const ownerBytes = recipients.ownerBytes(index);
    const owner = new PublicKey(ownerBytes);
    const amount = recipients.amount(index);
    const { reward } = this.opts;
    if (reward.kind === 'sol') {
      return { index, ixs: [SystemProgram.transfer({ fromPubkey: payer, toPubkey: owner, lamports: amount })], cu: CU.solTransfer, trace: 1 };
    }
    const mint = this.mint as PublicKey;
    const programId = this.programId as PublicKey;
    // Off-curve owners (pools, vaults) are allowed, as getAssociatedTokenAddressSync(…, true, …) allows them.
    const destination = new PublicKey(associatedTokenAddress(this.mintBytes as Uint8Array, ownerBytes, this.programBytes as Uint8Array));
    const ixs: TransactionInstruction[] = [];
    let cu = CU.transferChecked[reward.program];
    let trace = 1;
    if (recipients.needsAccount(index)) {
      trace += 1 + CREATE_INNER_INSTRUCTIONS;
      ixs.push(createAssociatedTokenAccountIdempotentInstruction(payer, destination, owner, mint, programId, ASSOCIATED_TOKEN_PROGRAM_ID));
      cu += CU.createAccount[reward.program];
    }
    ixs.push(createTransferCheckedInstruction(this.source as PublicKey, mint, destination, payer, amount, reward.decimals, [], programId));
    return { index, ixs, cu, trace };
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

/**
 * Bytes a v0 message adds to the legacy layout: its version byte, and the table lookups (each a
 * table address and two short index lists), one byte per loaded key.
 */
function lookupBytes(tables: number, loadedKeys: number): number {
  return 1 + compactLength(tables) + tables * (32 + 2) + loadedKeys;
}

/** Lamports a transaction costs: 5,000 per signature plus the priority fee, rounded up (docs/solana-rpc-behaviour.md). */
export function transactionFee(computeUnitLimit: number, computeUnitPrice: number): bigint {
  const priority = (BigInt(computeUnitPrice) * BigInt(computeUnitLimit) + 999_999n) / 1_000_000n;
  return 5_000n + priority;
}
