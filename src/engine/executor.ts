import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, Keypair, TransactionError } from '@solana/web3.js';
import type { Logger } from 'pino';
import type { EngineEventBus, ProgressEvent } from './events.js';
import { CANCELLED_BEFORE_SENT, type DistributionRecord, type Ledger, type Plan, type RecipientFailure, type TxRecord } from './ledger.js';
import { recipientStates, StateTally, type LedgerView, type StateCounts } from './owed.js';
import { settle, type MissingEvidence, type ObservedStatus, type PollEvidence, type TransactionLookup } from './settle.js';
import { chainErrorMessage } from './chain-error.js';
import { isTributaryError } from './errors.js';
import type { HeldLease } from './lease.js';
import type { RpcBatch, RpcCall } from '../solana/gateway.js';
import { distributionTag, TransferBuilder } from './tx-builder.js';
import { instantParam, msg, type Message } from '../i18n/message.js';
import type { LookupTableContents } from '../solana/v0-message.js';

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
  /**
   * How long a transaction past its last valid block height may stay without proof of its fate
   * before the run pauses itself (and says which evidence is missing). It goes on asking, and
   * resumes by itself when the evidence comes.
   */
  evidenceTimeoutMs: number;
  /** Longest wait between attempts while the RPC endpoint does not answer. */
  outageBackoffMaxMs: number;
}

/** The figures an operator does not set; the other two come from `distribution` in the config schema (src/config/schema.ts). */
export type ExecutorTuning = Omit<ExecutorOptions, 'computeUnitPriceCap' | 'maxRecipientsPerTransaction'>;

export const DEFAULT_EXECUTOR_OPTIONS: ExecutorTuning = {
  maxInFlightTransactions: 128,
  maxOutstandingBroadcasts: 16,
  pollIntervalMs: 400,
  rebroadcastIntervalMs: 2_000,
  assumedSlotMs: 400,
  progressIntervalMs: 1_000,
  evidenceTimeoutMs: 120_000,
  outageBackoffMaxMs: 15_000,
};

/** Transactions whose fate the chain cannot prove yet, and what is missing. */
export interface EvidenceStall {
  transactions: { signature: string; missing: MissingEvidence }[];
  since: number;
}

export interface ExecutorDeps {
  connection: Connection;
  /** One JSON-RPC batch to one endpoint: how the run asks what became of its transactions. */
  rpc: RpcBatch;
  ledger: Ledger;
  /** This process's lease on the distribution; every ledger write names it. */
  lease: HeldLease;
  payer: Keypair;
  events: EngineEventBus;
  logger: Logger;
  options: ExecutorOptions;
  /** Told when the run starts or stops waiting for evidence (null: it has it all again). */
  onStall?: (stall: EvidenceStall | null) => Promise<void>;
  /**
   * The address lookup tables the plan pays with, ready to use (lookup-tables.ts prepares them, a
   * recorded step of its own before the first transfer); none for a plan without.
   */
  lookupTables?: (plan: Plan) => Promise<readonly LookupTableContents[]>;
}

/**
 * `interrupted`: the process is shutting down; the distribution stays running and resumes at the next start.
 * `lost`: another process took the lease over; this one wrote nothing more.
 */
export type RunOutcome = 'completed' | 'paused' | 'cancelled' | 'interrupted' | 'lost';

interface InFlight {
  record: TxRecord;
  wire: Buffer;
  instructionOwner: number[] | null;
  lastSentAt: number;
  /** When a poll first showed the chain past the transaction's last valid block height. */
  pastHeightSince?: number;
  missing?: MissingEvidence;
}

/** Blocks a blockhash is used for before a fresh one is fetched (of 150 it lives). */
const BLOCKHASH_REUSE_BLOCKS = 60;
const STATUS_BATCH = 256;
/** getTransaction cross-checks per poll: a public endpoint allows about 40 per method in 10 s. */
const LOOKUPS_PER_POLL = 8;
/** Blocks between the confirmed and the finalized bank, about (docs/solana-rpc-behaviour.md); only for estimates. */
const FINALIZED_LAG_BLOCKS = 32;
/** The finalized height is read at least this often while transactions are in flight. */
const HEIGHT_READING_MS = 3_000;
/** Without a settlement for this long, the progress shows no ETA. */
const STALLED_ETA_MS = 5_000;
/** JSON-RPC error of a node that keeps no transaction history. */
const NO_HISTORY = -32011;

/**
 * Pays what a plan still owes, exactly once. The run reads as a straight line: load the ledger,
 * settle what was broadcast before, then sign (writing each transaction ahead), broadcast, and
 * settle, until nothing is owed or an operator stops it. What is owed is derived from the ledger
 * (owed.ts), never kept as a separate truth; what became of a transaction is decided in settle.ts.
 */
export class DistributionRun {
  private stopRequest: 'pause' | 'cancel' | 'shutdown' | null = null;
  private readonly inflight = new Map<string, InFlight>();
  private queue: number[] = [];
  /** Recipients of a failed transaction, retried in smaller groups to isolate the bad one. */
  private groups: number[][] = [];
  private txs: TxRecord[] = [];
  private failures = new Map<number, RecipientFailure>();
  /** The counts of every recipient's state, kept as transactions and failures are written (owed.ts). */
  private tally: StateTally;
  private blockhash: { blockhash: string; lastValidBlockHeight: number; slot: number; at: number } | null = null;
  private heightClock = { height: 0, at: 0, slotMs: 0 };
  private lastProgressAt = 0;
  private startedAt = Date.now();
  private settledAtStart = 0;
  private builder: TransferBuilder | null = null;
  private pauseReason: Message | null = null;
  private stall: EvidenceStall | null = null;
  private outage: { since: number; failures: number; last: string } | null = null;
  private lastPollAt = 0;
  /** When a transaction last settled: an ETA is only shown while the run is moving. */
  private lastSettledAt = Date.now();

  constructor(
    private readonly deps: ExecutorDeps,
    /** The plan it pays (immutable): status questions read it here instead of from the store. */
    readonly plan: Plan,
    private readonly record: DistributionRecord,
  ) {
    this.heightClock.slotMs = deps.options.assumedSlotMs;
    this.tally = new StateTally(plan.recipients);
  }

  /** Stops sending; transactions in flight are still tracked to their end. */
  requestStop(kind: 'pause' | 'cancel' | 'shutdown'): void {
    // An operator's cancel or pause outranks a shutdown that happens meanwhile.
    if (this.stopRequest === 'cancel' || (this.stopRequest === 'pause' && kind === 'shutdown')) return;
    this.stopRequest = kind;
  }

  /** Why the engine itself paused the run (funds ran out), if it did. */
  get engineStopReason(): Message | null {
    return this.pauseReason;
  }

  async run(): Promise<RunOutcome> {
    const { ledger, logger, lease } = this.deps;
    this.txs = (await ledger.transactions(this.plan.id)).map(inMemory);
    this.failures = await ledger.failures(this.plan.id);
    this.tally = StateTally.of(this.plan.recipients, this.txs, this.failures);
    for (const tx of this.txs) {
      if (tx.status === 'signed') this.inflight.set(tx.signature, { record: tx, wire: Buffer.from(tx.wire, 'base64'), instructionOwner: null, lastSentAt: 0 });
    }
    this.settledAtStart = this.countSettled();
    if (this.inflight.size > 0) {
      logger.info({ distributionId: this.plan.id, unsettled: this.inflight.size }, 'settling transactions recorded before the restart');
    }
    this.startedAt = Date.now();
    this.lastPollAt = Date.now();

    // One loop for the whole run: an RPC that does not answer is waited out, never a reason to stop.
    let settledBefore = this.inflight.size === 0;
    while (true) {
      if (lease.lost) return 'lost';
      try {
        if (!settledBefore) {
          // Ask the chain about every recorded signature before signing anything new (docs/invariants.md invariant 3).
          await this.poll(true);
          settledBefore = true;
          this.queue = this.view().owed();
        } else if (this.builder === null) {
          this.queue = this.view().owed();
        }
        if (this.builder === null) {
          const lookupTables = await this.lookupTables();
          this.builder = new TransferBuilder({
            payer: this.deps.payer,
            reward: this.plan.reward,
            computeUnitPrice: await this.priorityFee(),
            maxRecipients: this.deps.options.maxRecipientsPerTransaction,
            memo: distributionTag(this.plan.id, this.record.round),
            ...(lookupTables.length > 0 ? { lookupTables } : {}),
          });
          this.queue = await this.builder.lookupOrderSliced(this.queue, this.plan.recipients);
        }
        // Sending stops at the next poll's time, so progress moves while a large run is being sent.
        if (!this.stopRequest && !this.stall) await this.sendWhileRoom(this.lastPollAt + this.deps.options.pollIntervalMs);
        const nothingOwed = this.queue.length === 0 && this.groups.length === 0;
        if (this.inflight.size === 0 && (this.stopRequest || nothingOwed)) {
          if (this.stopRequest || (await this.recheckExpired())) break;
          continue;
        }
        const interval = this.stall ? Math.max(this.deps.options.pollIntervalMs, 2_000) : this.deps.options.pollIntervalMs;
        const wait = this.lastPollAt + interval - Date.now();
        if (wait > 0) await sleep(wait);
        await this.poll(false);
        // Counted from the poll's end: a poll slower than the interval (a busy machine, many in
        // flight) must still leave a window to send in, or nothing would ever be sent again.
        this.lastPollAt = Date.now();
        this.endOutage();
        await this.checkStall();
        this.emitProgress(false);
      } catch (e) {
        if (isTributaryError(e, 'LEASE_LOST')) return 'lost';
        await this.waitOutOutage(e);
      }
    }

    if (this.stopRequest === 'cancel') {
      const failures = new Map(this.failures);
      for (const i of [...this.queue, ...this.groups.flat()]) {
        failures.set(i, { reason: CANCELLED_BEFORE_SENT, at: Date.now(), round: this.record.round });
      }
      await ledger.saveFailures(lease.fence, failures);
      this.tally.failures(this.failures, failures);
      this.failures = failures;
      this.queue = [];
      this.groups = [];
    }
    if (this.stopRequest === 'cancel') return 'cancelled';
    if (this.stopRequest === 'pause') return 'paused';
    if (this.stopRequest === 'shutdown') return 'interrupted';
    return 'completed';
  }

  /** Recipient states as the ledger has them now, computed anew: for the few questions that need each recipient's. */
  view(): LedgerView {
    return recipientStates(this.plan.recipients.length, this.txs, this.failures);
  }

  /** The RPC endpoint is not answering: say so, wait (longer each time), and go on. */
  private async waitOutOutage(e: unknown): Promise<void> {
    const message = e instanceof Error ? e.message : String(e);
    const now = Date.now();
    this.outage = this.outage ? { ...this.outage, failures: this.outage.failures + 1, last: message } : { since: now, failures: 1, last: message };
    const delay = Math.min(this.deps.options.outageBackoffMaxMs, this.deps.options.pollIntervalMs * 2 ** Math.min(this.outage.failures, 10));
    this.deps.logger.warn(
      { distributionId: this.plan.id, err: message, failures: this.outage.failures, retryInMs: delay },
      'RPC or store not answering; the run waits and tries again',
    );
    this.deps.events.emit('progress', { ...this.progress('running'), note: msg('note.rpcWaiting', { since: instantParam(this.outage.since), error: message }) });
    await sleep(delay);
  }

  private endOutage(): void {
    if (!this.outage) return;
    this.deps.logger.info({ distributionId: this.plan.id, downMs: Date.now() - this.outage.since }, 'RPC answering again; the run goes on');
    this.outage = null;
  }

  private async sendWhileRoom(until: number): Promise<void> {
    const sends = new Set<Promise<void>>();
    try {
      while (!this.stopRequest && !this.deps.lease.lost && this.inflight.size < this.deps.options.maxInFlightTransactions && Date.now() < until) {
        // Sign only a few ahead of what the RPC budget lets out: a transaction signed long before it
        // can be broadcast would spend its blockhash's 150 blocks waiting in the queue.
        while (sends.size >= this.deps.options.maxOutstandingBroadcasts) await Promise.race(sends);
        const group = this.groups[0];
        const source = group ?? this.queue;
        if (source.length === 0) break;
        const { blockhash, lastValidBlockHeight, slot: signedSlot } = await this.freshBlockhash();
        const built = (this.builder as TransferBuilder).build(source, this.plan.recipients, blockhash, group?.length);
        const record: TxRecord = {
          seq: this.txs.length,
          signature: built.signature,
          recipients: built.recipients,
          lastValidBlockHeight,
          signedSlot,
          wire: built.wire.toString('base64'),
          status: 'signed',
          signedAt: Date.now(),
        };
        // Written before broadcast: after a crash the signature is known and asked about. A write
        // that fails leaves the recipients owed; bytes never broadcast cannot land.
        await this.deps.ledger.writeTx(this.deps.lease.fence, record);
        // The builder packs a prefix of its source.
        if (group) {
          const rest = group.slice(built.recipients.length);
          if (rest.length) this.groups[0] = rest;
          else this.groups.shift();
        } else {
          // In place: a copy of the rest for every transaction was quadratic (100,000 recipients:
          // ~3 s of copying and ~1 GB of garbage; a million: minutes). Nothing keeps the old array.
          this.queue.splice(0, built.recipients.length);
        }
        this.txs.push(record);
        this.tally.tx(undefined, record);
        const entry: InFlight = { record, wire: built.wire, instructionOwner: built.instructionOwner, lastSentAt: Date.now() };
        this.inflight.set(record.signature, entry);
        const send: Promise<void> = this.broadcast(entry).finally(() => sends.delete(send));
        sends.add(send);
        this.deps.events.emit('transaction', { distributionId: this.plan.id, signature: record.signature, recipients: record.recipients.length, outcome: 'sent', at: Date.now() });
      }
    } finally {
      await Promise.all(sends);
    }
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

  /**
   * Asks one endpoint, in one batch, for the finalized height and the statuses of every
   * transaction in flight (searching history), plus getTransaction for those that may have
   * expired; then settles what the evidence proves (settle.ts). `atStart`: after a restart or a
   * resume, every unsettled transaction is a candidate for the cross-check.
   */
  private async poll(atStart: boolean): Promise<void> {
    if (this.inflight.size === 0) return;
    const entries = [...this.inflight.values()];
    const estimated = this.estimatedHeight();
    const mayHaveExpired = (e: InFlight) => atStart || e.pastHeightSince !== undefined || estimated > e.record.lastValidBlockHeight;
    // Also now and then although no expiry is due by the estimate: the estimate runs on the slot
    // time learned from these readings, and a chain faster than assumed would otherwise be
    // judged late by the ratio of the two.
    const askHeight = entries.some(mayHaveExpired) || Date.now() - this.heightClock.at >= HEIGHT_READING_MS;
    const lookups = askHeight ? entries.filter(mayHaveExpired).slice(0, LOOKUPS_PER_POLL) : [];

    let reading = await this.read(entries, askHeight, lookups, true);
    if (reading.noHistory) reading = await this.read(entries, askHeight, [], false);
    const { evidence, statuses, lookup } = reading;
    // The clock counts confirmed heights (as blockhashes are read); finalized trails them by about 32 blocks.
    if (evidence.finalized) this.observeHeight(evidence.finalized.blockHeight + FINALIZED_LAG_BLOCKS);

    const rebroadcasts: Promise<void>[] = [];
    let changed = false;
    for (const [k, entry] of entries.entries()) {
      const status = statuses[k] ?? null;
      const outcome = settle(entry.record, status, evidence, lookup.get(entry.record.signature) ?? 'not-asked');
      if (outcome.outcome === 'unknown') {
        const past = evidence.finalized !== null && evidence.finalized.blockHeight > entry.record.lastValidBlockHeight;
        if (past) entry.pastHeightSince ??= Date.now();
        entry.missing = outcome.missing;
        const stillValid = !past && this.estimatedHeight() <= entry.record.lastValidBlockHeight;
        if (!status && stillValid && Date.now() - entry.lastSentAt >= this.deps.options.rebroadcastIntervalMs) {
          rebroadcasts.push(this.broadcast(entry));
        }
        continue;
      }
      const record: TxRecord = { ...entry.record, settledAt: Date.now() };
      if (outcome.outcome === 'confirmed') {
        record.status = 'confirmed';
        record.slot = outcome.slot;
      } else if (outcome.outcome === 'expired') {
        record.status = 'expired';
      } else {
        record.status = 'failed';
        record.slot = outcome.slot;
        record.error = describeTxError(outcome.error);
      }
      // The settled record and what it means for its recipients are one write: a crash in
      // between would otherwise lose a failure or keep a recipient in flight.
      const failuresBefore = this.failures;
      const queueBefore = this.queue;
      const groupsBefore = this.groups;
      if (outcome.outcome === 'expired') this.queue = [...record.recipients, ...this.queue];
      if (outcome.outcome === 'failed') this.handleFailure(entry, outcome.error);
      const failuresChanged = this.failures !== failuresBefore;
      try {
        await this.deps.ledger.write(this.deps.lease.fence, { tx: record, ...(failuresChanged ? { failures: this.failures } : {}) });
      } catch (e) {
        this.failures = failuresBefore;
        this.queue = queueBefore;
        this.groups = groupsBefore;
        throw e;
      }
      changed = true;
      this.lastSettledAt = Date.now();
      this.inflight.delete(entry.record.signature);
      this.tally.tx(this.txs[record.seq], record);
      if (failuresChanged) this.tally.failures(failuresBefore, this.failures);
      this.txs[record.seq] = inMemory(record);
      entry.record = record;
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
    if (changed) this.lastProgressAt = 0;
  }

  /** One batch to one endpoint; `noHistory` when the node refused to search its history (-32011). */
  private async read(
    entries: InFlight[],
    askHeight: boolean,
    lookups: InFlight[],
    searchHistory: boolean,
  ): Promise<{ evidence: PollEvidence; statuses: (ObservedStatus | null)[]; lookup: Map<string, TransactionLookup>; noHistory: boolean }> {
    const calls: RpcCall[] = [];
    if (askHeight) calls.push({ method: 'getEpochInfo', params: [{ commitment: 'finalized' }] }, { method: 'minimumLedgerSlot', params: [] });
    const firstStatus = calls.length;
    for (let i = 0; i < entries.length; i += STATUS_BATCH) {
      const signatures = entries.slice(i, i + STATUS_BATCH).map((e) => e.record.signature);
      calls.push({ method: 'getSignatureStatuses', params: searchHistory ? [signatures, { searchTransactionHistory: true }] : [signatures] });
    }
    const firstLookup = calls.length;
    for (const e of lookups) {
      calls.push({ method: 'getTransaction', params: [e.record.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'base64' }] });
    }
    const { answers } = await this.deps.rpc(calls);

    let finalized: PollEvidence['finalized'] = null;
    let firstAvailableSlot: number | null = null;
    if (askHeight) {
      const info = answers[0]?.result as { absoluteSlot?: unknown; blockHeight?: unknown } | undefined;
      if (info && typeof info.absoluteSlot === 'number' && typeof info.blockHeight === 'number') finalized = { slot: info.absoluteSlot, blockHeight: info.blockHeight };
      const first = answers[1]?.result;
      if (typeof first === 'number') firstAvailableSlot = first;
    }
    const statuses: (ObservedStatus | null)[] = [];
    let statusContextSlot = Number.POSITIVE_INFINITY;
    for (let c = firstStatus; c < firstLookup; c++) {
      const answer = answers[c];
      if (answer?.error) {
        if (answer.error.code === NO_HISTORY && searchHistory)
          return { evidence: { finalized, statusContextSlot: 0, historySearched: false, firstAvailableSlot }, statuses: [], lookup: new Map(), noHistory: true };
        throw new Error(`getSignatureStatuses: ${answer.error.message} (${answer.error.code})`);
      }
      const value = answer?.result as { context?: { slot?: number }; value?: (ObservedStatus | null)[] } | undefined;
      const expected = Math.min(STATUS_BATCH, entries.length - (c - firstStatus) * STATUS_BATCH);
      if (!value || !Array.isArray(value.value) || value.value.length !== expected || typeof value.context?.slot !== 'number') {
        throw new Error('getSignatureStatuses: a short or malformed answer');
      }
      statusContextSlot = Math.min(statusContextSlot, value.context.slot);
      statuses.push(...value.value);
    }
    const lookup = new Map<string, TransactionLookup>();
    lookups.forEach((e, k) => {
      const answer = answers[firstLookup + k];
      lookup.set(e.record.signature, !answer || answer.error ? 'unavailable' : answer.result === null ? 'absent' : 'found');
    });
    return { evidence: { finalized, statusContextSlot, historySearched: searchHistory, firstAvailableSlot }, statuses, lookup, noHistory: false };
  }

  /**
   * Transactions past their last valid block height without proof for longer than the bound pause
   * the run (it stops signing, keeps asking); when the proof comes the run goes on by itself.
   */
  private async checkStall(): Promise<void> {
    const now = Date.now();
    const stuck = [...this.inflight.values()].filter((e) => e.pastHeightSince !== undefined && now - e.pastHeightSince >= this.deps.options.evidenceTimeoutMs);
    if (stuck.length > 0 && !this.stall) {
      this.stall = { since: now, transactions: stuck.map((e) => ({ signature: e.record.signature, missing: e.missing ?? 'transaction-lookup' })) };
      this.deps.logger.warn({ distributionId: this.plan.id, stall: this.stall }, 'paused: the chain cannot yet prove what became of some transactions');
      await this.deps.onStall?.(this.stall);
    } else if (stuck.length === 0 && this.stall) {
      this.stall = null;
      this.deps.logger.info({ distributionId: this.plan.id }, 'evidence arrived; the run goes on');
      await this.deps.onStall?.(null);
    }
  }

  /**
   * Before the run is called completed, every transaction recorded as expired is looked up in the
   * chain's history once more. One found there landed after all: its record is corrected (so the
   * ledger shows the truth, a double payment included) and the run says so loudly.
   */
  private async recheckExpired(): Promise<boolean> {
    const expired = this.txs.filter((t) => t.status === 'expired');
    for (let i = 0; i < expired.length; i += STATUS_BATCH) {
      const chunk = expired.slice(i, i + STATUS_BATCH);
      const { answers } = await this.deps.rpc([{ method: 'getSignatureStatuses', params: [chunk.map((t) => t.signature), { searchTransactionHistory: true }] }]);
      const answer = answers[0];
      if (answer?.error?.code === NO_HISTORY) {
        // The proof was given when they were judged; this is a second look, and this node cannot give it.
        this.deps.logger.warn({ distributionId: this.plan.id, expired: expired.length }, 'the RPC node keeps no history: transactions recorded as expired are not looked up again');
        return true;
      }
      if (!answer || answer.error) throw new Error(`re-checking expired transactions: ${answer?.error?.message ?? 'no answer'}`);
      const statuses = (answer.result as { value: (ObservedStatus | null)[] }).value;
      for (const [k, tx] of chunk.entries()) {
        const status = statuses[k];
        if (!status) continue;
        const corrected: TxRecord = { ...tx, status: status.err ? 'failed' : 'confirmed', slot: status.slot, ...(status.err ? { error: describeTxError(status.err) } : {}) };
        await this.deps.ledger.writeTx(this.deps.lease.fence, corrected);
        this.tally.tx(this.txs[tx.seq], corrected);
        this.txs[tx.seq] = inMemory(corrected);
        this.deps.logger.error(
          { distributionId: this.plan.id, signature: tx.signature, status },
          'a transaction recorded as expired is in the chain history: the ledger is corrected',
        );
      }
    }
    return true;
  }

  /**
   * A transaction failed on chain, so none of its transfers happened. A lone recipient fails with
   * the program's reason; otherwise the recipient whose instruction failed is retried alone and the
   * others go back to be paid, or, when the error names no instruction, the group is split in halves.
   * A failure on the distributor's side (out of funds, its own rent) pauses the run instead of blaming recipients.
   */
  private handleFailure(entry: InFlight, error: TransactionError): void {
    const { recipients } = entry.record;
    const reason = describeTxError(error);
    if (isDistributorFailure(error, entry.instructionOwner)) {
      // Said in words for the chat (chain-error.ts); the chain's own answer follows as technical detail.
      this.pauseReason = msg('pause.distributorCannotPay', { reason: chainErrorMessage(error), detail: JSON.stringify(error) });
      this.requestStop('pause');
      this.queue = [...recipients, ...this.queue];
      return;
    }
    if (recipients.length === 1) {
      this.failures = new Map(this.failures).set(recipients[0] as number, { reason, at: Date.now(), round: this.record.round, signature: entry.record.signature });
      return;
    }
    const culprit = blamedRecipient(error, entry.instructionOwner);
    if (culprit !== null && recipients.includes(culprit)) {
      this.groups = [...this.groups, [culprit]];
      this.queue = [...recipients.filter((i) => i !== culprit), ...this.queue];
      return;
    }
    const half = Math.ceil(recipients.length / 2);
    this.groups = [...this.groups, recipients.slice(0, half), recipients.slice(half)];
  }

  private async freshBlockhash(): Promise<{ blockhash: string; lastValidBlockHeight: number; slot: number }> {
    const current = this.blockhash;
    if (current && current.lastValidBlockHeight - this.estimatedHeight() > 150 - BLOCKHASH_REUSE_BLOCKS) return current;
    const { context, value: latest } = await this.deps.connection.getLatestBlockhashAndContext('confirmed');
    // A node far behind the chain (a lagging fallback) hands out blockhashes that have expired
    // already: every transaction signed with one would be dead on arrival. Wait for a better answer.
    if (latest.lastValidBlockHeight <= this.heightClock.height) {
      throw new Error(`the RPC node is behind the chain: its latest blockhash expired at height ${latest.lastValidBlockHeight}, the chain is past ${this.heightClock.height}`);
    }
    this.observeHeight(latest.lastValidBlockHeight - 150);
    this.blockhash = { ...latest, slot: context.slot, at: Date.now() };
    return this.blockhash;
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

  /** The plan's lookup tables; none if it has none or they cannot be made ready now (it pays without them). */
  private async lookupTables(): Promise<readonly LookupTableContents[]> {
    if (!this.deps.lookupTables) return [];
    try {
      return await this.deps.lookupTables(this.plan);
    } catch (err) {
      this.deps.logger.warn({ distributionId: this.plan.id, err }, 'lookup tables not ready; this run pays without them');
      return [];
    }
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
    return this.tally.paid + this.tally.failed;
  }

  /** Counts as of now, for the final event the service emits with the outcome's state. */
  progress(state: ProgressEvent['state']): ProgressEvent {
    const { tally } = this;
    const transactions = { sent: tally.transactions, confirmed: tally.transactionsConfirmed, failed: tally.transactionsFailed };
    return progressOf(this.plan, tally, transactions, { state, since: this.startedAt, settledAtStart: this.settledAtStart, lastSettledAt: this.lastSettledAt });
  }

  private emitProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgressAt < this.deps.options.progressIntervalMs) return;
    this.lastProgressAt = now;
    this.deps.events.emit('progress', this.progress(this.stall ? 'paused' : 'running'));
  }
}

/** Transactions in the log, and those confirmed or failed. */
export interface TransactionCounts {
  sent: number;
  confirmed: number;
  failed: number;
}

export function transactionCounts(txs: readonly TxRecord[]): TransactionCounts {
  let confirmed = 0;
  let failed = 0;
  for (const t of txs) {
    if (t.status === 'confirmed') confirmed++;
    else if (t.status === 'failed') failed++;
  }
  return { sent: txs.length, confirmed, failed };
}

export function progressOf(
  plan: Plan,
  counts: StateCounts,
  transactions: TransactionCounts,
  run: { state: ProgressEvent['state']; since: number; settledAtStart: number; lastSettledAt?: number },
): ProgressEvent {
  const { paid, failed, inFlight, paidAmount } = counts;
  const now = Date.now();
  const settledThisRun = paid + failed - run.settledAtStart;
  const seconds = Math.max(0.001, (now - run.since) / 1000);
  const rate = settledThisRun > 0 ? settledThisRun / seconds : 0;
  const remaining = counts.recipients - paid - failed;
  return {
    distributionId: plan.id,
    reward: plan.reward.kind === 'sol' ? 'SOL' : plan.reward.mint,
    decimals: plan.reward.decimals,
    recipients: counts.recipients,
    inFlight,
    paid,
    failed,
    paidAmount: paidAmount.toString(),
    plannedAmount: plan.total.toString(),
    transactionsSent: transactions.sent,
    transactionsConfirmed: transactions.confirmed,
    transactionsFailed: transactions.failed,
    recipientsPerSecond: Math.round(rate * 10) / 10,
    // Unknown while nothing settles (waiting for dropped transactions to expire): an ETA from the
    // average rate would promise seconds for a wait of a minute.
    etaSeconds: remaining === 0 ? 0 : rate > 0 && now - (run.lastSettledAt ?? now) < STALLED_ETA_MS ? Math.ceil(remaining / rate) : null,
    state: run.state,
    at: now,
  };
}

const TOKEN_INSUFFICIENT_FUNDS = 1;

/** Errors that say the payer, not a recipient, is the problem: retrying recipients cannot help. */
function isDistributorFailure(error: TransactionError, instructionOwner: number[] | null): boolean {
  if (typeof error === 'string') return error === 'InsufficientFundsForFee' || error === 'AccountNotFound' || error === 'InvalidAccountForFee';
  // Account index 0 is the fee payer, the distributor: e.g. InsufficientFundsForRent { account_index: 0 }.
  if (payerAccountError(error)) return true;
  const ix = instructionError(error);
  if (!ix) return false;
  // Token program "insufficient funds" on a transfer and the system program's: the source ran dry.
  const custom = typeof ix.detail === 'object' && ix.detail !== null && 'Custom' in ix.detail ? (ix.detail as { Custom: number }).Custom : null;
  if (custom === TOKEN_INSUFFICIENT_FUNDS && instructionOwner && (instructionOwner[ix.index] ?? -1) >= 0) return true;
  return false;
}

function payerAccountError(error: TransactionError): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return Object.values(error as Record<string, unknown>).some(
    (detail) => typeof detail === 'object' && detail !== null && (detail as { account_index?: unknown }).account_index === 0,
  );
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

/**
 * A transaction record as the run keeps it in memory: once it is confirmed or failed for good, its
 * wire bytes (the ledger keeps them) are never sent or written again, and a run of 100,000
 * recipients would otherwise hold ~14,000 of them (~25 MB). Signed and expired records keep theirs:
 * a signed one is broadcast again, an expired one is rewritten if the chain's history finds it.
 */
function inMemory(record: TxRecord): TxRecord {
  return record.status === 'confirmed' || record.status === 'failed' ? { ...record, wire: '' } : record;
}
