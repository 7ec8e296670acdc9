import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import bs58 from 'bs58';
import { LiteSVM, FailedTransactionMetadata, TransactionMetadata } from 'litesvm';
import {
  address,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  lamports,
  type Address,
  type EncodedAccount,
  type Transaction,
} from '@solana/kit';
import { INSTRUCTION_ERROR_NAMES, TRANSACTION_ERROR_NAMES } from './litesvm-error-names.js';

/** Blocks a blockhash stays valid for on a real cluster (FACTS.md). */
export const BLOCKHASH_LIFETIME_BLOCKS = 150;
/** Blocks after which a landed transaction reports `finalized`. */
const FINALIZED_AFTER_BLOCKS = 32;
/** Signature statuses kept, so an old signature reads `null` as on a real node with limited history. */
const STATUS_HISTORY_LIMIT = 500_000;

/** A transaction error in the JSON shape Solana's RPC uses, e.g. `{ InstructionError: [1, { Custom: 1 }] }`. */
export type RpcTransactionError = string | Record<string, unknown>;

export interface SignatureStatus {
  slot: number;
  err: RpcTransactionError | null;
  logs: string[];
}

export interface SendOutcome {
  signature: string;
  /** The transaction was executed and recorded (successfully or not). */
  landed: boolean;
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
}

export interface SimulationOutcome {
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
}

export interface LocalChainOptions {
  /** Milliseconds per slot; each slot is one block. Default 400 (mainnet's target). */
  slotMs?: number;
  /** Lamports each prioritization-fee sample reports (micro-lamports per CU). Default 0. */
  prioritizationFee?: number;
}

/** Thrown when a transaction cannot be accepted at all (bad encoding, unknown blockhash in preflight). */
export class ChainRejection extends Error {
  constructor(
    message: string,
    readonly err: RpcTransactionError,
    readonly logs: string[] = [],
  ) {
    super(message);
    this.name = 'ChainRejection';
  }
}

/**
 * litesvm with a clock: slots advance with wall time, each slot has its own blockhash, and a
 * blockhash is valid for 150 blocks, so `lastValidBlockHeight` means what it means on a cluster.
 * litesvm itself keeps one blockhash and no notion of blocks, so its own check is turned off.
 */
export class LocalChain extends EventEmitter<{ landed: [string] }> {
  readonly svm: LiteSVM;
  private slotValue: number;
  private heightValue = 0;
  private readonly blockhashHeights = new Map<string, number>();
  private blockhashValue: string;
  private readonly statuses = new Map<string, SignatureStatus>();
  private readonly timer: NodeJS.Timeout;
  private readonly decodeTransaction = getTransactionDecoder();
  private readonly decodeMessage = getCompiledTransactionMessageDecoder();
  readonly slotMs: number;
  prioritizationFee: number;

  constructor(opts: LocalChainOptions = {}) {
    super();
    this.slotMs = opts.slotMs ?? 400;
    this.prioritizationFee = opts.prioritizationFee ?? 0;
    this.svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
    this.slotValue = 1000;
    this.blockhashValue = this.newBlockhash();
    this.timer = setInterval(() => this.advance(), this.slotMs);
    this.timer.unref();
  }

  get slot(): number {
    return this.slotValue;
  }

  get blockHeight(): number {
    return this.heightValue;
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    return {
      blockhash: this.blockhashValue,
      lastValidBlockHeight: this.heightValue + BLOCKHASH_LIFETIME_BLOCKS,
    };
  }

  /** Produces `n` blocks now: tests use it to expire blockhashes without waiting. */
  advance(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.slotValue += 1;
      this.heightValue += 1;
      this.blockhashValue = this.newBlockhash();
    }
    const oldest = this.heightValue - BLOCKHASH_LIFETIME_BLOCKS * 2;
    for (const [hash, height] of this.blockhashHeights) {
      if (height >= oldest) break;
      this.blockhashHeights.delete(hash);
    }
  }

  isBlockhashValid(blockhash: string): boolean {
    const height = this.blockhashHeights.get(blockhash);
    return height !== undefined && this.heightValue <= height + BLOCKHASH_LIFETIME_BLOCKS;
  }

  getAccount(pubkey: string): EncodedAccount | null {
    const acc = this.svm.getAccount(address(pubkey));
    return acc.exists ? acc : null;
  }

  setAccount(account: { address: string; data: Uint8Array; lamports: bigint; owner: string; executable?: boolean }): void {
    this.svm.setAccount({
      address: address(account.address),
      data: account.data,
      executable: account.executable ?? false,
      lamports: lamports(account.lamports),
      programAddress: address(account.owner),
      space: BigInt(account.data.length),
    });
  }

  getProgramAccounts(programId: string): EncodedAccount[] {
    return this.svm.getProgramAccounts(address(programId));
  }

  getBalance(pubkey: string): bigint {
    return this.svm.getBalance(address(pubkey)) ?? 0n;
  }

  airdrop(pubkey: string, amount: bigint): void {
    const res = this.svm.airdrop(address(pubkey), lamports(amount));
    if (res instanceof FailedTransactionMetadata) throw new Error(`airdrop failed: ${res.toString()}`);
  }

  minimumBalanceForRentExemption(size: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(size));
  }

  /**
   * Executes a wire-format transaction. An unknown or expired blockhash is silently not landed
   * (as a leader drops it) unless `rejectExpired` asks for preflight's error instead.
   */
  send(wire: Uint8Array, opts: { rejectExpired: boolean; execute: boolean; fail?: boolean }): SendOutcome {
    const { tx, signature, blockhash } = this.decode(wire);
    const previous = this.statuses.get(signature);
    if (previous) {
      if (opts.rejectExpired) throw new ChainRejection('This transaction has already been processed', 'AlreadyProcessed');
      return { signature, landed: true, err: previous.err, logs: previous.logs, unitsConsumed: 0 };
    }
    if (!this.isBlockhashValid(blockhash)) {
      if (opts.rejectExpired) throw new ChainRejection('Blockhash not found', 'BlockhashNotFound');
      return { signature, landed: false, err: null, logs: [], unitsConsumed: 0 };
    }
    if (!opts.execute) return { signature, landed: false, err: null, logs: [], unitsConsumed: 0 };
    if (opts.fail) {
      // An injected program failure: nothing of the transaction takes effect, as on chain.
      const err = { InstructionError: [0, 'ProgramFailedToComplete'] };
      this.recordStatus(signature, { slot: this.slotValue, err, logs: ['Program failed to complete (injected fault)'] });
      return { signature, landed: true, err, logs: [], unitsConsumed: 0 };
    }
    const result = this.svm.sendTransaction(tx);
    const outcome = this.describe(result);
    this.recordStatus(signature, { slot: this.slotValue, err: outcome.err, logs: outcome.logs });
    return { signature, landed: true, ...outcome };
  }

  simulate(wire: Uint8Array, opts: { replaceRecentBlockhash?: boolean } = {}): SimulationOutcome {
    const { tx, blockhash } = this.decode(wire);
    if (!opts.replaceRecentBlockhash && !this.isBlockhashValid(blockhash)) {
      return { err: 'BlockhashNotFound', logs: [], unitsConsumed: 0 };
    }
    const result = this.svm.simulateTransaction(tx);
    if (result instanceof FailedTransactionMetadata) return this.describe(result);
    const meta = result.meta();
    return { err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
  }

  signatureStatus(signature: string): (SignatureStatus & { confirmations: number | null; confirmationStatus: string }) | null {
    const status = this.statuses.get(signature);
    if (!status) return null;
    const age = this.slotValue - status.slot;
    const finalized = age >= FINALIZED_AFTER_BLOCKS;
    return {
      ...status,
      confirmations: finalized ? null : age,
      confirmationStatus: finalized ? 'finalized' : 'confirmed',
    };
  }

  close(): void {
    clearInterval(this.timer);
  }

  private decode(wire: Uint8Array): { tx: Transaction; signature: string; blockhash: string } {
    let tx: Transaction;
    try {
      tx = this.decodeTransaction.decode(wire) as Transaction;
    } catch (e) {
      throw new ChainRejection(`failed to deserialize transaction: ${(e as Error).message}`, 'SanitizeFailure');
    }
    const first = Object.values(tx.signatures)[0];
    if (!first) throw new ChainRejection('transaction has no signature', 'MissingSignatureForFee');
    const message = this.decodeMessage.decode(tx.messageBytes);
    return { tx, signature: bs58.encode(first), blockhash: message.lifetimeToken };
  }

  private describe(result: TransactionMetadata | FailedTransactionMetadata): SimulationOutcome {
    if (result instanceof FailedTransactionMetadata) {
      const meta = result.meta();
      return { err: toRpcError(result.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
    }
    return { err: null, logs: result.logs(), unitsConsumed: Number(result.computeUnitsConsumed()) };
  }

  private recordStatus(signature: string, status: SignatureStatus): void {
    if (this.statuses.size >= STATUS_HISTORY_LIMIT) {
      const oldest = this.statuses.keys().next();
      if (!oldest.done) this.statuses.delete(oldest.value);
    }
    this.statuses.set(signature, status);
    this.emit('landed', signature);
  }

  private newBlockhash(): string {
    const hash = bs58.encode(randomBytes(32));
    this.blockhashHeights.set(hash, this.heightValue);
    return hash;
  }
}

/** Converts litesvm's error objects into the JSON Solana's RPC returns for `err`. */
export function toRpcError(err: ReturnType<FailedTransactionMetadata['err']>): RpcTransactionError {
  if (typeof err === 'number') return TRANSACTION_ERROR_NAMES[err] ?? `TransactionError(${err})`;
  if ('err' in err && typeof err.err === 'function') {
    const inner = err.err();
    let detail: unknown;
    if (typeof inner === 'number') detail = INSTRUCTION_ERROR_NAMES[inner] ?? `InstructionError(${inner})`;
    else if ('code' in inner) detail = { Custom: inner.code };
    else detail = { BorshIoError: String(inner) };
    return { InstructionError: [err.index, detail] };
  }
  if ('accountIndex' in err) {
    const kind = err.constructor.name.replace(/^TransactionError/, '');
    return { [kind]: { account_index: err.accountIndex } };
  }
  if ('index' in err) return { DuplicateInstruction: err.index };
  return String(err);
}

export type { Address };
