import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import bs58 from 'bs58';
import { LiteSVM, FailedTransactionMetadata, type TransactionMetadata, type InnerInstruction } from 'litesvm';
import { address, lamports, type Address, type EncodedAccount, type Transaction } from '@solana/kit';
import { INSTRUCTION_ERROR_NAMES, TRANSACTION_ERROR_NAMES } from './litesvm-error-names.js';
import type { BulkTokenAccounts } from './bulk-holders.js';
import { buildRecord, captureAccounts, decodeTransaction, resolveKeys, type DecodedTransaction, type LandedTransaction } from './transactions.js';

/** Blocks a blockhash stays valid for on a real cluster (docs/solana-rpc-behaviour.md). */
export const BLOCKHASH_LIFETIME_BLOCKS = 150;
/** Slots between a block and its root: a block is `finalized` this many slots after it was produced. */
export const FINALIZED_DEPTH_SLOTS = 32;
/** The deepest a lagging endpoint may trail the tip. */
export const MAX_LAG_SLOTS = 512;
/** Blockhashes kept: enough for the oldest view (a lagging endpoint, at finalized) plus a blockhash's lifetime. */
const RETAINED_BLOCKHASHES = MAX_LAG_SLOTS + FINALIZED_DEPTH_SLOTS + BLOCKHASH_LIFETIME_BLOCKS + 64;
/** Entries of the SlotHashes sysvar: the address lookup table program reads recent slots and deactivation from it. */
const SLOT_HASHES_ENTRIES = 512;
/**
 * Errors of a transaction whose address lookup tables cannot be read (missing, closed, an index not
 * usable yet): a leader drops it before executing it, so it never lands and costs no fee.
 */
const UNLOADABLE_LOOKUP_ERRORS = new Set(['AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner', 'InvalidAddressLookupTableData', 'InvalidAddressLookupTableIndex']);

/** Commitment levels, as in Solana's RPC (docs/solana-rpc-behaviour.md). */
export type Commitment = 'processed' | 'confirmed' | 'finalized';

/** A transaction error in the JSON shape Solana's RPC uses, e.g. `{ InstructionError: [1, { Custom: 1 }] }`. */
export type RpcTransactionError = string | Record<string, unknown>;

export interface SignatureStatus {
  slot: number;
  err: RpcTransactionError | null;
  logs: string[];
}

/** A signature's status as one RPC node reports it. */
export interface SignatureStatusAnswer extends SignatureStatus {
  /** Blocks on top of it; null once finalized. */
  confirmations: number | null;
  confirmationStatus: Commitment;
}

export interface SendOutcome {
  signature: string;
  /** The transaction was executed and recorded (successfully or not). */
  landed: boolean;
  /** It went to a fork that will be abandoned (docs/solana-rpc-behaviour.md, Forks); it may land later. */
  forked: boolean;
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
}

export interface SimulationOutcome {
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
}

/**
 * Where a question is asked from: a node `lagSlots` behind the tip (0 = up to date), reading the
 * bank at `commitment`. The chain's own methods default to the tip (processed, no lag); the RPC
 * layer applies a node's defaults.
 */
export interface ViewPoint {
  lagSlots?: number;
  commitment?: Commitment;
}

/** What the chain does that real validators do too, settable at start and at run time. */
export interface ChainTuning {
  /**
   * Slots a landed signature stays in the status cache that `getSignatureStatuses` searches without
   * `searchTransactionHistory`. Default 300 (MAX_RECENT_BLOCKHASHES rooted slots).
   */
  statusCacheSlots: number;
  /** Slots after which a landed transaction is `confirmed` (finalized is always 32). Default 2. */
  confirmedLagSlots: number;
  /** Slots a fork-failed transaction stays visible at `processed` before its fork is abandoned. Default 4. */
  forkSlots: number;
  /** Slots after the abandonment at which the same bytes land on the surviving fork. Default 2. */
  forkRelandSlots: number;
}

export interface LocalChainOptions extends Partial<ChainTuning> {
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

/** A transaction shown failed on a fork that is abandoned; its bytes land later on the surviving fork. */
interface ForkedTransaction {
  wire: Uint8Array;
  slot: number;
  abandonAt: number;
  relandAt: number;
  /** Its bytes were handed to the surviving fork (landed, or dropped for an expired blockhash). */
  settled: boolean;
  err: RpcTransactionError;
  logs: string[];
}

/** An account as it was before a transaction changed it; null = it did not exist. */
interface AccountChange {
  slot: number;
  before: EncodedAccount | null;
}

const FORK_ERROR: RpcTransactionError = { InstructionError: [0, 'ProgramFailedToComplete'] };

/**
 * litesvm with a clock and the views of a real cluster (docs/solana-rpc-behaviour.md): slots
 * advance with wall time, each slot has its own blockhash valid for 150 blocks; a landed
 * transaction is processed, then confirmed, then finalized; queries can be answered as of a bank
 * at a commitment or as a node some slots behind (accounts, statuses, blockhashes as they were);
 * a status cache forgets old signatures while the transaction history keeps them; and a
 * transaction can fail on a fork at processed and land later for real.
 *
 * litesvm keeps one state and no notion of blocks, so its own blockhash check is off and past
 * account states are rebuilt from an undo log of the recent transactions.
 */
export class LocalChain extends EventEmitter<{ status: [string]; slot: [number] }> {
  readonly svm: LiteSVM;
  private slotValue: number;
  private heightValue = 0;
  private readonly genesisSlot: number;
  private readonly blockhashHeights = new Map<string, number>();
  private readonly blockhashByHeight = new Map<number, string>();
  /** The SlotHashes sysvar as it is at the tip, newest first. */
  private readonly slotHashes: { slot: bigint; hash: string }[] = [];
  /** The slot litesvm's Clock and SlotHashes were last set for. */
  private sysvarsSlot = -1;
  private readonly landed = new Map<string, LandedTransaction>();
  /** Slot of each landed transaction, in landing order (so, sorted). */
  private readonly landedSlots: number[] = [];
  private readonly forks = new Map<string, ForkedTransaction>();
  private readonly accountChanges = new Map<string, AccountChange[]>();
  private readonly changeLog: { slot: number; keys: string[] }[] = [];
  private forkFailsPending = 0;
  private viewLagReserved = 0;
  private readonly timer: NodeJS.Timeout;
  private tuningValue: ChainTuning;
  readonly slotMs: number;
  prioritizationFee: number;

  constructor(opts: LocalChainOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.slotMs = opts.slotMs ?? 400;
    this.prioritizationFee = opts.prioritizationFee ?? 0;
    this.tuningValue = checkTuning({
      statusCacheSlots: opts.statusCacheSlots ?? 300,
      confirmedLagSlots: opts.confirmedLagSlots ?? 2,
      forkSlots: opts.forkSlots ?? 4,
      forkRelandSlots: opts.forkRelandSlots ?? 2,
    });
    this.svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
    this.slotValue = 1000;
    this.genesisSlot = this.slotValue;
    this.newBlockhash();
    this.timer = setInterval(() => this.advance(), this.slotMs);
    this.timer.unref();
  }

  /** The tip: the slot of the newest (processed) block. */
  get slot(): number {
    return this.slotValue;
  }

  /** Block height of the tip. */
  get blockHeight(): number {
    return this.heightValue;
  }

  /** Transactions the view's bank has (the seed's included). */
  transactionCount(at: ViewPoint = {}): number {
    const bank = this.bankSlot(at);
    let lo = 0;
    let hi = this.landedSlots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.landedSlots[mid] as number) <= bank) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get tuning(): ChainTuning {
    return { ...this.tuningValue };
  }

  /** Changes the tuning at run time; unnamed fields keep their value. */
  configure(tuning: Partial<ChainTuning>): ChainTuning {
    const defined = Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)) as Partial<ChainTuning>;
    this.tuningValue = checkTuning({ ...this.tuningValue, ...defined });
    return this.tuning;
  }

  /** Makes the next `count` transactions that would land fail on a fork first (see `send`). */
  forkFailNext(count = 1): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`forkFailNext: ${count} is not a whole number`);
    this.forkFailsPending += count;
  }

  /** Keeps enough account history for a node `lagSlots` behind (a lagging endpoint calls this). */
  reserveViewLag(lagSlots: number): void {
    checkLag(lagSlots);
    this.viewLagReserved = Math.max(this.viewLagReserved, lagSlots);
  }

  /** Block height of the bank a view reads. Slots and heights move together (no skipped slots). */
  bankHeight(at: ViewPoint = {}): number {
    const depth = at.commitment === 'finalized' ? FINALIZED_DEPTH_SLOTS : at.commitment === 'confirmed' ? this.tuningValue.confirmedLagSlots : 0;
    return Math.max(0, this.heightValue - (at.lagSlots ?? 0) - depth);
  }

  /** Slot of the bank a view reads: what its answers' `context.slot` says. */
  bankSlot(at: ViewPoint = {}): number {
    return this.genesisSlot + this.bankHeight(at);
  }

  /** The blockhash of the view's bank; it is valid until the chain passes `lastValidBlockHeight`. */
  latestBlockhash(at: ViewPoint = {}): { blockhash: string; lastValidBlockHeight: number } {
    const height = this.bankHeight(at);
    const blockhash = this.blockhashByHeight.get(height) ?? this.oldestBlockhash();
    return { blockhash, lastValidBlockHeight: height + BLOCKHASH_LIFETIME_BLOCKS };
  }

  /** Produces `n` blocks now: tests use it to expire blockhashes and age transactions without waiting. */
  advance(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.slotHashes.unshift({ slot: BigInt(this.slotValue), hash: this.blockhashByHeight.get(this.heightValue) as string });
      if (this.slotHashes.length > SLOT_HASHES_ENTRIES) this.slotHashes.pop();
      this.slotValue += 1;
      this.heightValue += 1;
      this.newBlockhash();
      this.settleForks();
    }
    this.prune();
    this.emit('slot', this.slotValue);
  }

  /** Whether the view's bank knows the blockhash and it has not expired there. The leader's view is the tip. */
  isBlockhashValid(blockhash: string, at: ViewPoint = {}): boolean {
    const height = this.blockhashHeights.get(blockhash);
    const bank = this.bankHeight(at);
    return height !== undefined && height <= bank && bank <= height + BLOCKHASH_LIFETIME_BLOCKS;
  }

  /** The account as the view's bank holds it. */
  getAccount(pubkey: string, at: ViewPoint = {}): EncodedAccount | null {
    const bank = this.bankSlot(at);
    if (bank < this.slotValue) {
      const change = this.changeAfter(pubkey, bank);
      if (change) return change.before;
    }
    const acc = this.svm.getAccount(address(pubkey));
    if (acc.exists) return acc;
    return this.bulkAccount(pubkey);
  }

  /** Token accounts of bulk-seeded mints (bulk-holders.ts): read-only, the same in every view. */
  readonly bulk: BulkTokenAccounts[] = [];

  addBulkAccounts(accounts: BulkTokenAccounts): void {
    this.bulk.push(accounts);
  }

  private bulkAccount(pubkey: string): EncodedAccount | null {
    if (this.bulk.length === 0) return null;
    const key = bs58.decode(pubkey);
    for (const b of this.bulk) {
      const i = b.find(key);
      if (i >= 0) {
        const data = b.data(i);
        return {
          address: address(pubkey),
          data,
          executable: false,
          lamports: lamports(this.minimumBalanceForRentExemption(data.length)),
          programAddress: address(b.programId),
          space: BigInt(data.length),
        };
      }
    }
    return null;
  }

  /** Overwrites an account at every commitment and in every view (test and seed set-up, not a transaction). */
  setAccount(account: { address: string; data: Uint8Array; lamports: bigint; owner: string; executable?: boolean }): void {
    this.accountChanges.delete(account.address);
    this.svm.setAccount({
      address: address(account.address),
      data: account.data,
      executable: account.executable ?? false,
      lamports: lamports(account.lamports),
      programAddress: address(account.owner),
      space: BigInt(account.data.length),
    });
  }

  getProgramAccounts(programId: string, at: ViewPoint = {}): EncodedAccount[] {
    const current = this.svm.getProgramAccounts(address(programId));
    const bank = this.bankSlot(at);
    if (bank >= this.slotValue || this.accountChanges.size === 0) return current;
    const out: EncodedAccount[] = [];
    for (const acc of current) {
      const change = this.changeAfter(acc.address, bank);
      const then = change ? change.before : acc;
      if (then && then.programAddress === programId) out.push(then);
    }
    // Accounts the program owned then but not now (closed, or handed to another owner since).
    for (const [key, changes] of this.accountChanges) {
      const change = changes.find((c) => c.slot > bank);
      if (!change?.before || change.before.programAddress !== programId) continue;
      const now = this.svm.getAccount(address(key));
      if (!now.exists || now.programAddress !== programId) out.push(change.before);
    }
    return out;
  }

  getBalance(pubkey: string, at: ViewPoint = {}): bigint {
    return this.getAccount(pubkey, at)?.lamports ?? 0n;
  }

  /** Credits lamports at every commitment and in every view (set-up, not a transaction). */
  airdrop(pubkey: string, amount: bigint): void {
    this.accountChanges.delete(pubkey);
    const res = this.svm.airdrop(address(pubkey), lamports(amount));
    if (res instanceof FailedTransactionMetadata) throw new Error(`airdrop failed: ${res.toString()}`);
  }

  minimumBalanceForRentExemption(size: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(size));
  }

  /**
   * Hands a wire-format transaction to the leader (the tip). An unknown or expired blockhash is
   * silently not landed (as a leader drops it) unless `rejectExpired` asks for preflight's error.
   * `fork` (or a pending `forkFailNext`) shows it failed at processed on a fork for `forkSlots`
   * slots, then drops that fork and lands the same bytes `forkRelandSlots` later, if the blockhash
   * is still valid then. `fail` lands it as failed without executing it.
   */
  send(wire: Uint8Array, opts: { rejectExpired: boolean; execute: boolean; fail?: boolean; fork?: boolean }): SendOutcome {
    const decoded = this.decode(wire);
    const { signature, blockhash } = decoded;
    const previous = this.landed.get(signature);
    if (previous) {
      if (opts.rejectExpired) throw new ChainRejection('This transaction has already been processed', 'AlreadyProcessed');
      return { signature, landed: true, forked: false, err: previous.err, logs: previous.logs, unitsConsumed: previous.unitsConsumed };
    }
    const forked = this.forks.get(signature);
    if (forked && !forked.settled && this.slotValue < forked.abandonAt) {
      // The fork that holds it is still alive; its leader will not take the same signature twice.
      return { signature, landed: false, forked: true, err: forked.err, logs: forked.logs, unitsConsumed: 0 };
    }
    if (!this.isBlockhashValid(blockhash)) {
      if (opts.rejectExpired) throw new ChainRejection('Blockhash not found', 'BlockhashNotFound');
      return { signature, landed: false, forked: false, err: null, logs: [], unitsConsumed: 0 };
    }
    if (!opts.execute) return { signature, landed: false, forked: false, err: null, logs: [], unitsConsumed: 0 };
    if (forked) {
      // Its fork was abandoned and it is sent again before the scheduled landing (or after its
      // blockhash was refused then, which cannot change): it goes the normal way now.
      forked.settled = true;
    } else if (opts.fork || this.forkFailsPending > 0) {
      if (!opts.fork) this.forkFailsPending -= 1;
      const { forkSlots, forkRelandSlots } = this.tuningValue;
      const fork: ForkedTransaction = {
        wire: Uint8Array.from(wire),
        slot: this.slotValue,
        abandonAt: this.slotValue + forkSlots,
        relandAt: this.slotValue + forkSlots + forkRelandSlots,
        settled: false,
        err: FORK_ERROR,
        logs: ['Program failed to complete (on a fork that will be abandoned)'],
      };
      this.forks.set(signature, fork);
      this.emit('status', signature);
      return { signature, landed: false, forked: true, err: fork.err, logs: fork.logs, unitsConsumed: 0 };
    }
    if (!opts.fail) {
      const unloadable = this.unloadableLookup(decoded);
      if (unloadable) {
        if (opts.rejectExpired) throw new ChainRejection(`Transaction loads an address table account that cannot be used: ${unloadable}`, unloadable);
        return { signature, landed: false, forked: false, err: null, logs: [], unitsConsumed: 0 };
      }
    }
    const record = this.land(decoded, wire, opts.fail === true);
    return { signature, landed: true, forked: false, err: record.err, logs: record.logs, unitsConsumed: record.unitsConsumed };
  }

  /** The error of a transaction whose lookup tables cannot be loaded at the tip, if that is what it would fail with. */
  private unloadableLookup(decoded: DecodedTransaction & { tx: Transaction }): string | null {
    if (!decoded.message.addressTableLookups?.length) return null;
    this.syncSysvars();
    const result = this.svm.simulateTransaction(decoded.tx);
    if (!(result instanceof FailedTransactionMetadata)) return null;
    const err = toRpcError(result.err());
    return typeof err === 'string' && UNLOADABLE_LOOKUP_ERRORS.has(err) ? err : null;
  }

  /** Runs a transaction on the current state without keeping anything; the blockhash is checked at `at`. */
  simulate(wire: Uint8Array, opts: { replaceRecentBlockhash?: boolean; at?: ViewPoint } = {}): SimulationOutcome {
    const { tx, blockhash } = this.decode(wire);
    if (!opts.replaceRecentBlockhash && !this.isBlockhashValid(blockhash, opts.at)) {
      return { err: 'BlockhashNotFound', logs: [], unitsConsumed: 0 };
    }
    this.syncSysvars();
    const result = this.svm.simulateTransaction(tx);
    if (result instanceof FailedTransactionMetadata) return this.describe(result);
    const meta = result.meta();
    return { err: null, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
  }

  /**
   * The status `getSignatureStatuses` reports on a node `lagSlots` behind: from the status cache
   * (landed within the last `statusCacheSlots` slots of its processed bank, or shown failed on a
   * fork that bank is on), else, when `searchTransactionHistory`, from the history of rooted
   * (finalized) transactions. Null when neither has it.
   */
  signatureStatus(signature: string, opts: { lagSlots?: number; searchTransactionHistory?: boolean } = {}): SignatureStatusAnswer | null {
    const lagSlots = opts.lagSlots ?? 0;
    const processed = this.bankSlot({ lagSlots });
    const record = this.landed.get(signature);
    // A fork (older than any landing of the same bytes) is what a bank between the two sees.
    if (record && record.slot <= processed) {
      const finalized = record.slot <= this.bankSlot({ lagSlots, commitment: 'finalized' });
      const cached = processed - record.slot < this.tuningValue.statusCacheSlots;
      if (cached || (opts.searchTransactionHistory && finalized)) {
        const confirmed = record.slot <= this.bankSlot({ lagSlots, commitment: 'confirmed' });
        return {
          slot: record.slot,
          err: record.err,
          logs: record.logs,
          confirmations: finalized ? null : confirmed ? processed - record.slot : 0,
          confirmationStatus: finalized ? 'finalized' : confirmed ? 'confirmed' : 'processed',
        };
      }
      return null;
    }
    const fork = this.forks.get(signature);
    if (fork && fork.slot <= processed && processed < fork.abandonAt) {
      return { slot: fork.slot, err: fork.err, logs: fork.logs, confirmations: 0, confirmationStatus: 'processed' };
    }
    return null;
  }

  /**
   * Whether the view's bank has the signature, as a subscription at that commitment sees it:
   * landed at or before the bank's slot, or (at processed) failed on a fork the bank is on.
   */
  statusAt(signature: string, at: ViewPoint): { slot: number; err: RpcTransactionError | null } | null {
    const bank = this.bankSlot(at);
    const record = this.landed.get(signature);
    if (record && record.slot <= bank) return { slot: record.slot, err: record.err };
    const fork = this.forks.get(signature);
    if (fork && (at.commitment ?? 'processed') === 'processed' && fork.slot <= bank && bank < fork.abandonAt) {
      return { slot: fork.slot, err: fork.err };
    }
    return null;
  }

  /** A landed transaction from the history, if the view's bank has it (forks never reach history). */
  transaction(signature: string, at: ViewPoint): LandedTransaction | null {
    const record = this.landed.get(signature);
    return record && record.slot <= this.bankSlot(at) ? record : null;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The first change to the account after `slot`: it holds the account as it was at `slot`. */
  private changeAfter(pubkey: string, slot: number): AccountChange | undefined {
    return this.accountChanges.get(pubkey)?.find((c) => c.slot > slot);
  }

  private decode(wire: Uint8Array): DecodedTransaction & { tx: Transaction } {
    try {
      return decodeTransaction(wire);
    } catch (e) {
      throw new ChainRejection(`failed to deserialize transaction: ${(e as Error).message}`, 'SanitizeFailure');
    }
  }

  /** Executes (or, for an injected failure, only records) a transaction at the tip, with its metadata and undo records. */
  private land(decoded: DecodedTransaction & { tx: Transaction }, wire: Uint8Array, injectedFailure: boolean): LandedTransaction {
    const keys = resolveKeys(decoded, this.lookupTable);
    const before = captureAccounts(this.svm, keys);
    let outcome: SimulationOutcome;
    let inner: InnerInstruction[][] = [];
    let after = before;
    if (injectedFailure) {
      // An injected program failure: nothing of the transaction takes effect.
      outcome = { err: { InstructionError: [0, 'ProgramFailedToComplete'] }, logs: ['Program failed to complete (injected fault)'], unitsConsumed: 0 };
    } else {
      this.syncSysvars();
      const result = this.svm.sendTransaction(decoded.tx);
      outcome = this.describe(result);
      inner = (result instanceof FailedTransactionMetadata ? result.meta() : result).innerInstructions();
      after = captureAccounts(this.svm, keys);
    }
    const record = buildRecord({ decoded, keys, wire: Uint8Array.from(wire), slot: this.slotValue, blockTime: Math.floor(Date.now() / 1000), ...outcome, inner, before, after });
    const changed = keys.writable.filter((key) => !sameAccount(before.accounts.get(key) ?? null, after.accounts.get(key) ?? null));
    for (const key of changed) {
      const list = this.accountChanges.get(key) ?? [];
      list.push({ slot: this.slotValue, before: before.accounts.get(key) ?? null });
      this.accountChanges.set(key, list);
    }
    if (changed.length) this.changeLog.push({ slot: this.slotValue, keys: changed });
    this.landed.set(decoded.signature, record);
    this.landedSlots.push(record.slot);
    this.emit('status', decoded.signature);
    return record;
  }

  private readonly lookupTable = (key: string): Uint8Array | null => {
    const acc = this.svm.getAccount(address(key));
    return acc.exists ? Uint8Array.from(acc.data) : null;
  };

  /** Abandons forks whose time is up and lands their bytes on the surviving fork when due. */
  private settleForks(): void {
    for (const [signature, fork] of this.forks) {
      if (fork.settled || this.slotValue < fork.relandAt) continue;
      fork.settled = true;
      const decoded = this.decode(fork.wire);
      if (this.landed.has(signature) || !this.isBlockhashValid(decoded.blockhash) || this.unloadableLookup(decoded)) continue;
      this.land(decoded, fork.wire, false);
    }
  }

  private describe(result: TransactionMetadata | FailedTransactionMetadata): SimulationOutcome {
    if (result instanceof FailedTransactionMetadata) {
      const meta = result.meta();
      return { err: toRpcError(result.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
    }
    return { err: null, logs: result.logs(), unitsConsumed: Number(result.computeUnitsConsumed()) };
  }

  /** Forgets blockhashes and undo records no view can reach any more. */
  private prune(): void {
    const oldestHeight = this.heightValue - RETAINED_BLOCKHASHES;
    for (const [hash, height] of this.blockhashHeights) {
      if (height >= oldestHeight) break;
      this.blockhashHeights.delete(hash);
      this.blockhashByHeight.delete(height);
    }
    // The deepest view reads the bank FINALIZED_DEPTH_SLOTS behind the most-lagging node; changes at
    // or before that slot are in every view already.
    const oldestBank = this.slotValue - FINALIZED_DEPTH_SLOTS - this.viewLagReserved;
    // A fork is seen only by processed banks, so a settled one no node's processed bank is on can go.
    for (const [signature, fork] of this.forks) {
      if (fork.settled && fork.abandonAt <= this.slotValue - this.viewLagReserved) this.forks.delete(signature);
    }
    while (this.changeLog.length && (this.changeLog[0] as { slot: number }).slot <= oldestBank) {
      const entry = this.changeLog.shift() as { slot: number; keys: string[] };
      for (const key of entry.keys) {
        const list = this.accountChanges.get(key);
        if (!list) continue;
        while (list.length && (list[0] as AccountChange).slot <= oldestBank) list.shift();
        if (!list.length) this.accountChanges.delete(key);
      }
    }
  }

  /**
   * litesvm's Clock and SlotHashes follow the chain's slots: the lookup table program takes a
   * table's recent slot and deactivation from SlotHashes, and makes addresses added in a slot
   * usable only from the next one by the Clock.
   */
  private syncSysvars(): void {
    // Only before a transaction runs: rewriting 512 entries every slot would cost the idle chain.
    if (this.sysvarsSlot === this.slotValue) return;
    this.sysvarsSlot = this.slotValue;
    this.svm.warpToSlot(BigInt(this.slotValue));
    this.svm.setSlotHashes(this.slotHashes as unknown as Parameters<LiteSVM['setSlotHashes']>[0]);
  }

  private newBlockhash(): void {
    const hash = bs58.encode(randomBytes(32));
    this.blockhashHeights.set(hash, this.heightValue);
    this.blockhashByHeight.set(this.heightValue, hash);
  }

  private oldestBlockhash(): string {
    return this.blockhashHeights.keys().next().value as string;
  }
}

function sameAccount(a: EncodedAccount | null, b: EncodedAccount | null): boolean {
  if (!a || !b) return a === b;
  if (a.lamports !== b.lamports || a.programAddress !== b.programAddress || a.executable !== b.executable || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function checkTuning(t: ChainTuning): ChainTuning {
  const whole = (name: keyof ChainTuning, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = t[name];
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name}: ${String(v)} is not a whole number from ${min} to ${max}`);
  };
  whole('statusCacheSlots', 1);
  whole('confirmedLagSlots', 0, FINALIZED_DEPTH_SLOTS);
  whole('forkSlots', 1);
  whole('forkRelandSlots', 0);
  return t;
}

export function checkLag(lagSlots: number): number {
  if (!Number.isInteger(lagSlots) || lagSlots < 0 || lagSlots > MAX_LAG_SLOTS) {
    throw new Error(`lagSlots: ${lagSlots} is not a whole number from 0 to ${MAX_LAG_SLOTS}`);
  }
  return lagSlots;
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

export type { Address, LandedTransaction };
