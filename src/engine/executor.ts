import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, Keypair, SignatureStatus, TransactionError } from '@solana/web3.js';
import type { Logger } from 'pino';
import type { EngineEventBus, ProgressEvent } from './events.js';
import type { DistributionRecord, Ledger, Plan, RecipientFailure, TxRecord } from './ledger.js';
import { owedRecipients, recipientStates, type RecipientState } from './owed.js';
import { settle } from './settle.js';
import { TransferBuilder } from './tx-builder.js';

export interface ExecutorOptions {
  /** Upper bound on the priority fee, micro-lamports per CU. */
  computeUnitPriceCap: number;
  /** Recipients per transaction; null for as many as fit. */
  maxRecipientsPerTransaction: number | null;
  /** Broadcast transactions not yet settled, at most. */
  maxInFlightTransactions: number;
  /** Signed transactions waiting for their sendTransaction answer, at most. */
  maxOutstandingBroadcasts: number;
  /** Between status polls. */
  pollIntervalMs: number;
  /** A transaction not found yet is sent again (same bytes, same signature) this often until it expires. */
  rebroadcastIntervalMs: number;
  /** Slot time assumed until it has been measured; only decides when to look at the block height. */
  assumedSlotMs: number;
  /** Between progress events. */
  progressIntervalMs: number;
}

export const DEFAULT_EXECUTOR_OPTIONS: ExecutorOptions = {
  computeUnitPriceCap: 50_000,
  maxRecipientsPerTransaction: null,
  maxInFlightTransactions: 128,
  maxOutstandingBroadcasts: 16,
  pollIntervalMs: 400,
  rebroadcastIntervalMs: 2_000,
  assumedSlotMs: 400,
  progressIntervalMs: 1_000,
};

export interface ExecutorDeps {
  connection: Connection;
  ledger: Ledger;
  payer: Keypair;
  events: EngineEventBus;
  logger: Logger;
  options: ExecutorOptions;
}

/** `interrupted`: the process is shutting down; the distribution stays running and resumes at the next start. */
export type RunOutcome = 'completed' | 'paused' | 'cancelled' | 'interrupted';

interface InFlight {
  record: TxRecord;
  wire: Buffer;
  instructionOwner: number[] | null;
  lastSentAt: number;
}

/** Blocks a blockhash is used for before a fresh one is fetched (of 150 it lives). */
const BLOCKHASH_REUSE_BLOCKS = 60;
const STATUS_BATCH = 256;

/**
 * Pays what a plan still owes, exactly once. The run reads as a straight line: load the ledger,
 * settle what was broadcast before, then sign (writing each transaction ahead), broadcast, and
 * settle, until nothing is owed or an operator stops it. What is owed is derived from the ledger
 * (owed.ts), never kept as a separate truth.
 */
export class DistributionRun {
  private stopRequest: 'pause' | 'cancel' | 'shutdown' | null = null;
  private readonly inflight = new Map<string, InFlight>();
  private queue: number[] = [];
  /** Recipients of a failed transaction, retried in smaller groups to isolate the bad one. */
  private groups: number[][] = [];
  private txs: TxRecord[] = [];
  private failures = new Map<number, RecipientFailure>();
  private blockhash: { blockhash: string; lastValidBlockHeight: number; at: number } | null = null;
  private heightClock = { height: 0, at: 0, slotMs: 0 };
  private lastProgressAt = 0;
  private startedAt = Date.now();
  private settledAtStart = 0;
  private builder!: TransferBuilder;
  private pauseReason: string | null = null;

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly plan: Plan,
    private readonly record: DistributionRecord,
  ) {
    this.heightClock.slotMs = deps.options.assumedSlotMs;
  }

  /** Stops sending; transactions in flight are still tracked to their end. */
  requestStop(kind: 'pause' | 'cancel' | 'shutdown'): void {
    // An operator's cancel or pause outranks a shutdown that happens meanwhile.
    if (this.stopRequest === 'cancel' || (this.stopRequest === 'pause' && kind === 'shutdown')) return;
    this.stopRequest = kind;
  }

  /** Why the engine itself paused the run (funds ran out), if it did. */
  get engineStopReason(): string | null {
    return this.pauseReason;
  }

  async run(): Promise<RunOutcome> {
    const { ledger, logger } = this.deps;
    this.txs = await ledger.transactions(this.plan.id);
    this.failures = await ledger.failures(this.plan.id);
    for (const tx of this.txs) {
      if (tx.status === 'signed') this.inflight.set(tx.signature, { record: tx, wire: Buffer.from(tx.wire, 'base64'), instructionOwner: null, lastSentAt: 0 });
    }
    if (this.inflight.size > 0) {
      logger.info({ distributionId: this.plan.id, unsettled: this.inflight.size }, 'settling transactions recorded before the restart');
      // Ask the chain about every recorded signature before signing anything new (DESIGN.md invariant 3).
      await this.poll(true);
    }
    this.queue = owedRecipients(this.view().states);
    this.settledAtStart = this.countSettled();
    this.startedAt = Date.now();
    this.builder = new TransferBuilder({
      payer: this.deps.payer,
      reward: this.plan.reward,
      computeUnitPrice: await this.priorityFee(),
      maxRecipients: this.deps.options.maxRecipientsPerTransaction,
    });

    while (true) {
      if (!this.stopRequest) await this.sendWhileRoom();
      if (this.inflight.size === 0 && (this.stopRequest || (this.queue.length === 0 && this.groups.length === 0))) break;
      await sleep(this.deps.options.pollIntervalMs);
      await this.poll(false);
      this.emitProgress(false);
    }

    if (this.stopRequest === 'cancel') {
      for (const i of [...this.queue, ...this.groups.flat()]) {
        this.failures.set(i, { reason: 'cancelled before it was sent', at: Date.now(), round: this.record.round });
      }
      await ledger.saveFailures(this.plan.id, this.failures);
      this.queue = [];
      this.groups = [];
    }
    if (this.stopRequest === 'cancel') return 'cancelled';
    if (this.stopRequest === 'pause') return 'paused';
    if (this.stopRequest === 'shutdown') return 'interrupted';
    return 'completed';
  }

  /** Recipient states as the ledger has them now. */
  view(): { states: RecipientState[]; paidTwice: number[] } {
    return recipientStates(this.plan.recipients.length, this.txs, this.failures);
  }

  private async sendWhileRoom(): Promise<void> {
    const sends = new Set<Promise<void>>();
    while (!this.stopRequest && this.inflight.size < this.deps.options.maxInFlightTransactions) {
      // Sign only a few ahead of what the RPC budget lets out: a transaction signed long before it
      // can be broadcast would spend its blockhash's 150 blocks waiting in the queue.
      while (sends.size >= this.deps.options.maxOutstandingBroadcasts) await Promise.race(sends);
      const group = this.groups[0];
      const source = group ?? this.queue;
      if (source.length === 0) break;
      const { blockhash, lastValidBlockHeight } = await this.freshBlockhash();
      const built = this.builder.build(source, this.plan.recipients, blockhash, group?.length);
      const taken = new Set(built.recipients);
      if (group) {
        const rest = group.filter((i) => !taken.has(i));
        if (rest.length) this.groups[0] = rest;
        else this.groups.shift();
      } else {
        this.queue = this.queue.slice(built.recipients.length);
      }
      const wire = built.wire;
      const record: TxRecord = {
        seq: this.txs.length,
        signature: built.signature,
        recipients: built.recipients,
        lastValidBlockHeight,
        wire: wire.toString('base64'),
        status: 'signed',
        signedAt: Date.now(),
      };
      this.txs.push(record);
      // Written before broadcast: after a crash the signature is known and asked about.
      await this.deps.ledger.writeTx(this.plan.id, record);
      const entry: InFlight = { record, wire, instructionOwner: built.instructionOwner, lastSentAt: Date.now() };
      this.inflight.set(record.signature, entry);
      const send: Promise<void> = this.broadcast(entry).finally(() => sends.delete(send));
      sends.add(send);
      this.deps.events.emit('transaction', { distributionId: this.plan.id, signature: record.signature, recipients: record.recipients.length, outcome: 'sent', at: Date.now() });
    }
    await Promise.all(sends);
  }

  private async broadcast(entry: InFlight): Promise<void> {
    entry.lastSentAt = Date.now();
    try {
      await this.deps.connection.sendRawTransaction(entry.wire, { skipPreflight: true, maxRetries: 0 });
    } catch (e) {
      // The outcome is unknown, not failed: the record stays and the status poll decides.
      this.deps.logger.warn({ distributionId: this.plan.id, signature: entry.record.signature, err: (e as Error).message }, 'broadcast failed; will settle by status');
    }
  }

  /** Settles what it can of the transactions in flight; `atStart` also settles ones never found. */
  private async poll(atStart: boolean): Promise<void> {
    if (this.inflight.size === 0) return;
    const entries = [...this.inflight.values()];
    const mayHaveExpired = atStart || entries.some((e) => this.estimatedHeight() > e.record.lastValidBlockHeight);
    // Read the height BEFORE the statuses: a transaction not found after that height can never land.
    const height = mayHaveExpired ? await this.deps.connection.getBlockHeight('finalized') : null;
    if (height !== null) this.observeHeight(height);
    const statuses: (SignatureStatus | null)[] = [];
    for (let i = 0; i < entries.length; i += STATUS_BATCH) {
      const batch = entries.slice(i, i + STATUS_BATCH).map((e) => e.record.signature);
      const res = await this.deps.connection.getSignatureStatuses(batch);
      statuses.push(...res.value);
    }
    const rebroadcasts: Promise<void>[] = [];
    let changed = false;
    for (const [k, entry] of entries.entries()) {
      const outcome = settle(entry.record, statuses[k] ?? null, height);
      if (outcome.outcome === 'unknown') {
        const stillValid = this.estimatedHeight() <= entry.record.lastValidBlockHeight;
        if (!statuses[k] && stillValid && Date.now() - entry.lastSentAt >= this.deps.options.rebroadcastIntervalMs) {
          rebroadcasts.push(this.broadcast(entry));
        }
        continue;
      }
      changed = true;
      this.inflight.delete(entry.record.signature);
      const record = entry.record;
      record.settledAt = Date.now();
      if (outcome.outcome === 'confirmed') {
        record.status = 'confirmed';
        record.slot = outcome.slot;
      } else if (outcome.outcome === 'expired') {
        record.status = 'expired';
        this.queue.unshift(...record.recipients);
      } else {
        record.status = 'failed';
        record.slot = outcome.slot;
        record.error = describeTxError(outcome.error);
        this.handleFailure(entry, outcome.error);
      }
      await this.deps.ledger.writeTx(this.plan.id, record);
      this.deps.events.emit('transaction', {
        distributionId: this.plan.id,
        signature: record.signature,
        recipients: record.recipients.length,
        outcome: record.status === 'confirmed' ? 'confirmed' : record.status === 'expired' ? 'expired' : 'failed',
        ...(record.error ? { error: record.error } : {}),
        at: Date.now(),
      });
    }
    await Promise.all(rebroadcasts);
    if (changed) await this.deps.ledger.saveFailures(this.plan.id, this.failures);
  }

  /**
   * A transaction failed on chain, so none of its transfers happened. A lone recipient fails with
   * the program's reason; otherwise the recipient whose instruction failed is retried alone and the
   * others go back to be paid, or, when the error names no instruction, the group is split in halves.
   * A failure on the distributor's side (out of funds) pauses the run instead of blaming recipients.
   */
  private handleFailure(entry: InFlight, error: TransactionError): void {
    const { recipients } = entry.record;
    const reason = describeTxError(error);
    if (isDistributorFailure(error, entry.instructionOwner)) {
      this.pauseReason = `the distributor cannot pay: ${reason}`;
      this.requestStop('pause');
      this.queue.unshift(...recipients);
      return;
    }
    if (recipients.length === 1) {
      this.failures.set(recipients[0] as number, { reason, at: Date.now(), round: this.record.round, signature: entry.record.signature });
      return;
    }
    const culprit = blamedRecipient(error, entry.instructionOwner);
    if (culprit !== null && recipients.includes(culprit)) {
      this.groups.push([culprit]);
      this.queue.unshift(...recipients.filter((i) => i !== culprit));
      return;
    }
    const half = Math.ceil(recipients.length / 2);
    this.groups.push(recipients.slice(0, half), recipients.slice(half));
  }

  private async freshBlockhash(): Promise<{ blockhash: string; lastValidBlockHeight: number }> {
    const current = this.blockhash;
    if (current && current.lastValidBlockHeight - this.estimatedHeight() > 150 - BLOCKHASH_REUSE_BLOCKS) return current;
    const latest = await this.deps.connection.getLatestBlockhash('confirmed');
    this.observeHeight(latest.lastValidBlockHeight - 150);
    this.blockhash = { ...latest, at: Date.now() };
    return latest;
  }

  /** Learns the slot time from successive height readings, so expiry checks need no extra requests. */
  private observeHeight(height: number): void {
    const now = Date.now();
    const prev = this.heightClock;
    if (prev.at > 0 && height > prev.height && now - prev.at > 500) {
      prev.slotMs = (now - prev.at) / (height - prev.height);
    }
    if (height >= prev.height) this.heightClock = { height, at: now, slotMs: prev.slotMs };
  }

  private estimatedHeight(): number {
    const { height, at, slotMs } = this.heightClock;
    if (at === 0) return 0;
    return height + Math.floor((Date.now() - at) / Math.max(1, slotMs));
  }

  /** The median recent prioritization fee, capped by config. */
  private async priorityFee(): Promise<number> {
    const cap = this.deps.options.computeUnitPriceCap;
    if (cap <= 0) return 0;
    const fees = (await this.deps.connection.getRecentPrioritizationFees()).map((f) => f.prioritizationFee).sort((a, b) => a - b);
    const median = fees.length ? (fees[Math.floor(fees.length / 2)] as number) : 0;
    return Math.min(cap, median);
  }

  private countSettled(): number {
    return this.view().states.filter((s) => s.status === 'paid' || s.status === 'failed').length;
  }

  /** Counts as of now, for the final event the service emits with the outcome's state. */
  progress(state: ProgressEvent['state']): ProgressEvent {
    return progressOf(this.plan, this.view().states, this.txs, { state, since: this.startedAt, settledAtStart: this.settledAtStart });
  }

  private emitProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgressAt < this.deps.options.progressIntervalMs) return;
    this.lastProgressAt = now;
    this.deps.events.emit('progress', this.progress('running'));
  }
}

export function progressOf(
  plan: Plan,
  states: readonly RecipientState[],
  txs: readonly TxRecord[],
  run: { state: ProgressEvent['state']; since: number; settledAtStart: number },
): ProgressEvent {
  let paid = 0;
  let failed = 0;
  let inFlight = 0;
  let paidAmount = 0n;
  states.forEach((s, i) => {
    if (s.status === 'paid') {
      paid++;
      paidAmount += plan.recipients[i]?.amount ?? 0n;
    } else if (s.status === 'failed') failed++;
    else if (s.status === 'in-flight') inFlight++;
  });
  const now = Date.now();
  const settledThisRun = paid + failed - run.settledAtStart;
  const seconds = Math.max(0.001, (now - run.since) / 1000);
  const rate = settledThisRun > 0 ? settledThisRun / seconds : 0;
  const remaining = states.length - paid - failed;
  return {
    distributionId: plan.id,
    reward: plan.reward.kind === 'sol' ? 'SOL' : plan.reward.mint,
    decimals: plan.reward.decimals,
    recipients: states.length,
    inFlight,
    paid,
    failed,
    paidAmount: paidAmount.toString(),
    plannedAmount: plan.total.toString(),
    transactionsSent: txs.length,
    transactionsConfirmed: txs.filter((t) => t.status === 'confirmed').length,
    transactionsFailed: txs.filter((t) => t.status === 'failed').length,
    recipientsPerSecond: Math.round(rate * 10) / 10,
    etaSeconds: remaining === 0 ? 0 : rate > 0 ? Math.ceil(remaining / rate) : null,
    state: run.state,
    at: now,
  };
}

const TOKEN_INSUFFICIENT_FUNDS = 1;

/** Errors that say the payer, not a recipient, is the problem: retrying recipients cannot help. */
function isDistributorFailure(error: TransactionError, instructionOwner: number[] | null): boolean {
  if (typeof error === 'string') return error === 'InsufficientFundsForFee' || error === 'AccountNotFound' || error === 'InvalidAccountForFee';
  const ix = instructionError(error);
  if (!ix) return false;
  // Token program "insufficient funds" on a transfer and the system program's: the source ran dry.
  const custom = typeof ix.detail === 'object' && ix.detail !== null && 'Custom' in ix.detail ? (ix.detail as { Custom: number }).Custom : null;
  if (custom === TOKEN_INSUFFICIENT_FUNDS && instructionOwner && (instructionOwner[ix.index] ?? -1) >= 0) return true;
  return false;
}

function blamedRecipient(error: TransactionError, instructionOwner: number[] | null): number | null {
  if (!instructionOwner) return null;
  const ix = instructionError(error);
  if (ix) {
    const owner = instructionOwner[ix.index];
    return owner !== undefined && owner >= 0 ? owner : null;
  }
  return null;
}

function instructionError(error: TransactionError): { index: number; detail: unknown } | null {
  if (typeof error === 'object' && error !== null && 'InstructionError' in error) {
    const [index, detail] = (error as { InstructionError: [number, unknown] }).InstructionError;
    return { index, detail };
  }
  return null;
}

export function describeTxError(error: TransactionError): string {
  const ix = instructionError(error);
  if (ix) {
    const detail = typeof ix.detail === 'string' ? ix.detail : JSON.stringify(ix.detail);
    return `instruction ${ix.index} failed: ${detail}`;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

