import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection, Keypair } from '@solana/web3.js';
import { LRUCache } from 'lru-cache';
import { KeyedMutex } from '../concurrency/keyed-mutex.js';
import type Keyv from 'keyv';
import type { RpcBatch } from '../solana/gateway.js';
import type { Logger } from 'pino';
import { formatAmount } from './amounts.js';
import { amountParam, lamportsParam, listParam, msg, type Message } from '../i18n/message.js';
import { chainErrorMessage } from './chain-error.js';
import { isTributaryError, TributaryError } from './errors.js';
import { successRate, type CompletedEvent, type EngineEventBus, type ProgressEvent, type ReportFile } from './events.js';
import { DistributionRun, progressOf, transactionCounts, type EvidenceStall, type ExecutorDeps, type ExecutorOptions, type TransactionCounts } from './executor.js';
import type { HeldLease, LeaseTaker } from './lease.js';
import { CANCELLED_BEFORE_SENT, type Actor, type DistributionRecord, type Fence, type Ledger, type Plan } from './ledger.js';
import { recipientStates, type LedgerView, type RecipientStatus } from './owed.js';
import { buildPreview, distributorBalances, payerReserve, type PlanPreview, type PreviewContext, type PreviewRequest } from './preview.js';
import { recipientReport, writeReportCsv, type RecipientReportRow } from './report.js';

export interface DistributionServiceDeps {
  /** Bulk lane: the distribution's own traffic. */
  connection: Connection;
  /** Bulk lane, as JSON-RPC batches answered by one endpoint: status polls. */
  rpc: RpcBatch;
  /** Interactive lane: previews and holders' questions, served ahead of bulk traffic. */
  interactiveConnection: Connection;
  ledger: Ledger;
  /** Takes the per-distribution leases of this process. */
  leases: LeaseTaker;
  snapshotCache?: Keyv;
  payer: Keypair;
  events: EngineEventBus;
  logger: Logger;
  network: string;
  executor: ExecutorOptions;
  preview: Omit<PreviewContext, 'connection' | 'payer' | 'network' | 'cache'>;
  /** Why the store cannot be trusted with a ledger (settings to change); empty when it can. */
  storeProblems?: Message[];
  /** Spending limits; none when absent. */
  guard?: SpendGuard;
  /** The address lookup tables a plan pays with (a schedule's, src/schedule/lookup.ts); none when absent. */
  lookupTables?: ExecutorDeps['lookupTables'];
  /** Where per-recipient reports are written, one CSV file per distribution (`<id>.csv`). */
  reportsDir: string;
}

export interface ConfirmOptions {
  /** On mainnet, the total the operator typed again. */
  acknowledgeTotal?: string;
  /** A second operator who approved the plan (spending guards may require one). */
  approvedBy?: Actor;
}

/**
 * Spending limits checked at confirm (src/engine/guards.ts or similar): refuses a plan with a
 * TributaryError naming the guard, the limit and what has been spent. Called once per confirm,
 * one confirm at a time, right before the confirmed record is written.
 */
export interface SpendGuard {
  admit(plan: Plan, actor: Actor, confirm: ConfirmOptions & { now: number }): Promise<void>;
}

/** How long pause and cancel wait for the run to stop before they answer with its state as it is. */
const STOP_WAIT_MS = 15_000;

function settleWithin(done: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([done.then(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** The queue that serializes guard verdicts with the records they admit (not a distribution id). */
const SPEND_QUEUE = '~spend';

export interface DistributionStatus {
  record: DistributionRecord;
  plan: Plan;
  progress: ProgressEvent;
}

export interface ReceivedReward {
  distributionId: string;
  reward: Plan['reward'];
  amount: bigint;
  status: RecipientStatus;
  signature?: string;
  at: number;
}

const HISTORY_DEFAULT = 10;
/**
 * Distributions whose plan and recipient states are kept in memory for /rewards and status. A
 * 100,000-recipient view is ~0.5 MB beside its plan (~5 MB), so the least recently used ones are
 * dropped past this many.
 */
const SETTLED_VIEWS_KEPT = 32;

interface SettledView {
  plan: Plan;
  states: LedgerView;
  transactions: TransactionCounts;
}

/**
 * The engine's front door: preview, confirm, pause, resume, cancel, retry-failed, status, history,
 * report, and a holder's rewards. It owns the distribution state machine (docs/invariants.md, States) and
 * runs at most one DistributionRun per distribution.
 */
export class DistributionService {
  private readonly runs = new Map<string, { run: DistributionRun; lease: HeldLease; done: Promise<void> }>();
  /** Reports of ended distributions being looked up or written: summaries asked at once share one. */
  private readonly endedReports = new Map<string, Promise<ReportFile>>();
  /** Each distribution's state changes, one at a time in call order (see `exclusive`). */
  private readonly changing = new KeyedMutex();
  /** Recipient states of distributions not running, by id, the least recently used dropped first; dropped whenever the service changes one. */
  private readonly settledViews = new LRUCache<string, SettledView>({ max: SETTLED_VIEWS_KEPT });
  /** Set while another process runs distributions on this store: this one only reads. */
  private readOnlyReason: Message | null = null;

  constructor(private readonly deps: DistributionServiceDeps) {}

  /**
   * Makes this process a reader (`reason` says who runs things instead) or, with null, a runner
   * again. A reader answers status, history, rewards and exports, and refuses everything else.
   */
  setReadOnly(reason: Message | null): void {
    this.readOnlyReason = reason;
  }

  get readOnly(): Message | null {
    return this.readOnlyReason;
  }

  async preview(req: PreviewRequest, actor: Actor): Promise<PlanPreview> {
    this.assertMayRun();
    const preview = await buildPreview(
      {
        ...this.deps.preview,
        connection: this.deps.interactiveConnection,
        payer: this.deps.payer,
        network: this.deps.network,
        ...(this.deps.snapshotCache ? { cache: this.deps.snapshotCache } : {}),
        events: this.deps.events,
      },
      req,
      actor,
    );
    const { plan } = preview;
    // Kept a while past expiry so a late confirm is told "expired", not "unknown".
    const keepMs = this.deps.preview.previewTtlMs * 2 + 60_000;
    const record: DistributionRecord = { id: plan.id, state: 'previewed', createdBy: actor, createdAt: plan.createdAt, round: 0 };
    if (!(await this.deps.ledger.createPlan(plan, record, keepMs))) {
      throw new TributaryError('INVALID_STATE', msg('err.planTaken', { id: plan.id }), { details: { id: plan.id } });
    }
    this.deps.events.emit('planned', {
      distributionId: plan.id,
      solAvailableLamports: preview.balances.solAvailable,
      solNeededLamports: preview.solNeededLamports,
      at: Date.now(),
    });
    return preview;
  }

  /**
   * Confirms the plan shown under `id`. On mainnet the operator repeats the total
   * (`acknowledgeTotal`), so a confirm button pressed by habit moves no money.
   */
  async confirm(id: string, actor: Actor, opts: ConfirmOptions = {}): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      this.assertMayRun();
      const { plan, record } = await this.load(id);
      if (record.state !== 'previewed') throw invalidState(record, 'confirm');
      const lease = await this.deps.leases.take(plan.id);
      try {
        const current = await this.deps.ledger.getDistribution(plan.id);
        if (current?.state !== 'previewed') throw invalidState(current ?? record, 'confirm');
        if (Date.now() > plan.expiresAt) {
          await this.deps.ledger.write(lease.fence, { distribution: { ...current, state: 'expired' } });
          throw new TributaryError('PLAN_EXPIRED', msg('err.planExpired', { id }), { details: { id } });
        }
        const total = formatAmount(plan.total, plan.reward.decimals);
        if (plan.network === 'mainnet-beta' && opts.acknowledgeTotal?.trim() !== total) {
          throw new TributaryError('CONFIRMATION_REQUIRED', msg('err.mainnetTotal', { id, total }), {
            details: { id, total },
          });
        }
        // Balances first: a shortfall says more than the simulation that failed because of it.
        await this.preflight(
          plan,
          Array.from({ length: plan.recipients.length }, (_, i) => i),
        );
        if (plan.blockers?.length) throw planBlocked(plan);
        const now = Date.now();
        const confirmed: DistributionRecord = { ...current, state: 'confirmed', confirmedBy: actor, confirmedAt: now };
        // The guard's verdict and the confirmed record are one step for this process: two plans
        // confirmed at once cannot both fit under a cap that has room for one.
        await this.exclusive(SPEND_QUEUE, async () => {
          await this.deps.guard?.admit(plan, actor, { ...opts, now });
          await this.deps.ledger.write(lease.fence, { plan, distribution: confirmed });
          await this.deps.ledger.addToIndex(plan.id, now);
        });
        this.deps.logger.info({ distributionId: id, by: actor, total, recipients: plan.recipients.length }, 'distribution confirmed');
        await this.start(plan, confirmed, lease);
      } catch (e) {
        if (!this.runs.has(plan.id)) await lease.release();
        throw e;
      }
      return this.status(id);
    });
  }

  async pause(id: string, actor: Actor): Promise<DistributionStatus> {
    const wait = await this.exclusive(id, async () => {
      this.assertMayRun();
      const { record } = await this.load(id);
      const active = this.runs.get(record.id);
      // A run waiting for evidence is recorded paused but still alive here: an operator's pause turns it into theirs.
      const waiting = active !== undefined && record.state === 'paused' && record.pauseCode === 'evidence';
      if (record.state !== 'running' && !waiting) throw invalidState(record, 'pause');
      const reason = msg('pause.byOperator', { name: actor.name ?? actor.userId });
      if (active) {
        await this.deps.ledger.write(active.lease.fence, { distribution: { ...record, stopRequested: 'pause', pauseReason: reason, pauseCode: 'operator' } });
        active.run.requestStop('pause');
        return { wait: active.done };
      }
      // Nobody runs it here; the lease says whether anybody does elsewhere.
      await this.withLease(record.id, (fence) =>
        this.deps.ledger.write(fence, { distribution: { ...withoutStop(record), state: 'paused', pauseReason: reason, pauseCode: 'operator' } }),
      );
      return { wait: Promise.resolve() };
    });
    // Waited outside the queue of changes (the run's own end is one of them), and not for ever:
    // transactions in flight are settled first, and the chain may take its time to tell.
    await settleWithin(wait.wait, STOP_WAIT_MS);
    return this.status(id);
  }

  async resume(id: string, actor: Actor): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      this.assertMayRun();
      const { plan, record } = await this.load(id);
      if (record.state !== 'paused') throw invalidState(record, 'resume');
      const active = this.runs.get(record.id);
      // A run waiting for evidence is alive and resumes by itself; one that just paused is still letting go of its lease.
      if (active && record.pauseCode === 'evidence') return this.status(id);
      await active?.done;
      const lease = await this.deps.leases.take(record.id);
      try {
        const view = await this.view(record.id, plan);
        await this.preflight(plan, view.states.owed());
        this.deps.logger.info({ distributionId: id, by: actor }, 'distribution resumed');
        await this.start(plan, { ...withoutStop(record), state: 'running' }, lease);
      } catch (e) {
        if (!this.runs.has(record.id)) await lease.release();
        throw e;
      }
      return this.status(id);
    });
  }

  async cancel(id: string, actor: Actor): Promise<DistributionStatus> {
    const wait = await this.exclusive(id, async () => {
      this.assertMayRun();
      const { plan, record } = await this.load(id);
      const active = this.runs.get(record.id);
      if (active && (record.state === 'running' || record.state === 'paused')) {
        await this.deps.ledger.write(active.lease.fence, { distribution: { ...record, stopRequested: 'cancel' } });
        active.run.requestStop('cancel');
        return { wait: active.done };
      }
      if (record.state === 'previewed') {
        await this.withLease(record.id, (fence) => this.deps.ledger.write(fence, { distribution: { ...record, state: 'cancelled', finishedAt: Date.now() } }));
        return { wait: Promise.resolve() };
      }
      if (record.state === 'paused' || record.state === 'confirmed' || record.state === 'running') {
        await this.withLease(record.id, async (fence) => {
          const failures = await this.deps.ledger.failures(record.id);
          const view = await this.view(record.id, plan);
          if (view.states.count('in-flight') > 0) {
            throw new TributaryError('INVALID_STATE', msg('err.cancelInFlight', { id: record.id }), {
              details: { id: record.id },
            });
          }
          for (const i of view.states.owed()) failures.set(i, { reason: CANCELLED_BEFORE_SENT, at: Date.now(), round: record.round });
          const cancelled: DistributionRecord = { ...withoutStop(record), state: 'cancelled', finishedAt: Date.now() };
          await this.deps.ledger.write(fence, { failures, distribution: cancelled });
          this.settledViews.delete(record.id);
          await this.announceEnd(plan, cancelled, actor);
        });
        return { wait: Promise.resolve() };
      }
      throw invalidState(record, 'cancel');
    });
    await settleWithin(wait.wait, STOP_WAIT_MS);
    return this.status(id);
  }

  /** Pays the recipients that failed, again: a new round over the same plan. */
  async retryFailed(id: string, actor: Actor): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      this.assertMayRun();
      const { plan, record } = await this.load(id);
      if (record.state !== 'completed' && record.state !== 'cancelled') throw invalidState(record, 'retry');
      // The run that ended may still be letting go of its lease.
      await this.runs.get(record.id)?.done;
      const failures = await this.deps.ledger.failures(record.id);
      if (failures.size === 0) throw new TributaryError('NOTHING_TO_RETRY', msg('err.nothingToRetry', { id }), { details: { id } });
      const lease = await this.deps.leases.take(record.id);
      try {
        await this.preflight(plan, [...failures.keys()]);
        const { finishedAt: _, ...rest } = record;
        const running: DistributionRecord = { ...rest, state: 'running', round: record.round + 1, startedAt: Date.now() };
        // One write: the failures are forgotten exactly when the new round is recorded as running.
        await this.deps.ledger.write(lease.fence, { failures: new Map(), distribution: running });
        this.settledViews.delete(record.id);
        this.deps.logger.info({ distributionId: id, by: actor, recipients: failures.size }, 'retrying failed recipients');
        await this.start(plan, running, lease);
      } catch (e) {
        if (!this.runs.has(record.id)) await lease.release();
        throw e;
      }
      return this.status(id);
    });
  }

  async status(id: string): Promise<DistributionStatus> {
    const { plan, record } = await this.load(id);
    const active = this.runs.get(record.id);
    if (active) return { record, plan, progress: active.run.progress(record.state) };
    const view = await this.settledView(record.id, plan);
    const counts = view.states.tally(plan.recipients);
    return { record, plan, progress: progressOf(plan, counts, view.transactions, { state: record.state, since: record.startedAt ?? Date.now(), settledAtStart: 0 }) };
  }

  async history(limit = HISTORY_DEFAULT): Promise<DistributionStatus[]> {
    const ids = (await this.deps.ledger.distributionIds()).slice(-limit).reverse();
    return Promise.all(ids.map((id) => this.status(id)));
  }

  async report(id: string): Promise<RecipientReportRow[]> {
    const { plan } = await this.load(id);
    const txs = await this.deps.ledger.transactions(plan.id);
    const failures = await this.deps.ledger.failures(plan.id);
    return recipientReport(plan, recipientStates(plan.recipients.length, txs, failures));
  }

  /**
   * An ended distribution's summary, as its `completed` event carried it. Its report is the file
   * written when it ended, unless that is gone or older than the end: a restarted bot whose
   * platforms each ask for the summary writes a million-line report once, not once per platform.
   */
  async summary(id: string): Promise<CompletedEvent> {
    const { plan, record, progress } = await this.status(id);
    return this.completion(plan, record, progress, () => this.endedReport(plan, record));
  }

  private async completion(plan: Plan, record: DistributionRecord, final: ProgressEvent, written = () => this.writeReport(plan)): Promise<CompletedEvent> {
    let report: ReportFile | null = null;
    let reportError: string | undefined;
    try {
      report = await written();
    } catch (err) {
      // The end of a run is told even when its report cannot be written (a full disk): the ledger
      // keeps everything, and an export writes it again.
      reportError = err instanceof Error ? err.message : String(err);
      this.deps.logger.error({ distributionId: plan.id, err }, 'the report of a distribution could not be written');
    }
    return {
      ...final,
      state: record.state,
      successRate: successRate(final.paid, final.failed) ?? 1,
      durationMs: (record.finishedAt ?? Date.now()) - (record.startedAt ?? record.finishedAt ?? Date.now()),
      symbol: plan.reward.symbol,
      report,
      ...(reportError !== undefined ? { reportError } : {}),
    };
  }

  /**
   * The per-recipient report as it stands, as CSV, at `<reportsDir>/<id>.csv`: written now (the
   * text is never held whole), or for an ended distribution the file written since it ended.
   */
  async exportCsv(id: string): Promise<ReportFile> {
    const { plan, record } = await this.load(id);
    return record.finishedAt !== undefined && !this.runs.has(plan.id) ? this.endedReport(plan, record) : this.writeReport(plan);
  }

  private async writeReport(plan: Plan): Promise<ReportFile> {
    return writeReportCsv(this.reportPath(plan.id), plan, await this.currentView(plan));
  }

  private reportPath(id: string): string {
    return join(this.deps.reportsDir, `${id}.csv`);
  }

  /** The report file of an ended distribution: the one written since it ended, or a new one. */
  private endedReport(plan: Plan, record: DistributionRecord): Promise<ReportFile> {
    const pending = this.endedReports.get(plan.id);
    if (pending) return pending;
    const report = (async (): Promise<ReportFile> => {
      const path = this.reportPath(plan.id);
      const existing = await stat(path).catch(() => null);
      // Nothing changes in the ledger of an ended distribution until a retry clears finishedAt.
      if (existing && record.finishedAt !== undefined && existing.mtimeMs >= record.finishedAt) {
        return { path, bytes: existing.size, rows: plan.recipients.length };
      }
      return this.writeReport(plan);
    })().finally(() => this.endedReports.delete(plan.id));
    this.endedReports.set(plan.id, report);
    return report;
  }

  /**
   * Every recipient's state now. A run of this process has it in memory (what it wrote to the
   * ledger), without the wire bytes a read of the ledger brings with every transaction (about
   * 1.6 KB of base64 each: over 200 MB at a million recipients); otherwise it is read from the
   * ledger, never from a cached view.
   */
  private async currentView(plan: Plan): Promise<LedgerView> {
    const active = this.runs.get(plan.id);
    if (active) return active.run.view();
    const [txs, failures] = await Promise.all([this.deps.ledger.transactions(plan.id), this.deps.ledger.failures(plan.id)]);
    return recipientStates(plan.recipients.length, txs, failures);
  }

  /** What `wallet` received (or is owed) in each confirmed distribution, newest first. */
  async rewardsFor(wallet: string): Promise<ReceivedReward[]> {
    const out: ReceivedReward[] = [];
    const ids = await this.deps.ledger.distributionIds();
    for (const id of [...ids].reverse()) {
      const plan = this.knownPlan(id) ?? (await this.deps.ledger.getPlan(id));
      if (!plan) continue;
      // A scan of the plan's owner bytes: no index of every owner is kept in memory.
      const index = plan.recipients.indexOf(wallet);
      // Only a plan the wallet is in costs a read of its transactions.
      if (index < 0) continue;
      const state = (await this.view(id, plan)).states.state(index);
      out.push({
        distributionId: id,
        reward: plan.reward,
        amount: plan.recipients.amount(index),
        status: state.status,
        ...(state.signature ? { signature: state.signature } : {}),
        at: plan.createdAt,
      });
    }
    return out;
  }

  /**
   * Starts the runs that a crash, a restart or a lost lease left unfinished, and those the engine
   * paused itself for want of evidence; an operator's pause stays a pause. A distribution whose
   * lease another live process holds is left to it. Safe to call again at any time.
   */
  async recoverUnfinished(): Promise<string[]> {
    if (this.readOnlyReason !== null) return [];
    const recovered: string[] = [];
    for (const id of await this.deps.ledger.distributionIds()) {
      if (this.runs.has(id)) continue;
      const record = await this.deps.ledger.getDistribution(id);
      if (!record) continue;
      const unfinished = record.state === 'running' || record.state === 'confirmed' || (record.state === 'paused' && record.pauseCode === 'evidence');
      if (!unfinished) continue;
      const plan = await this.deps.ledger.getPlan(id);
      if (!plan) continue;
      const started = await this.exclusive(id, async () => {
        if (this.runs.has(id)) return false;
        let lease: HeldLease;
        try {
          lease = await this.deps.leases.take(id);
        } catch (e) {
          if (isTributaryError(e, 'DISTRIBUTION_BUSY')) {
            this.deps.logger.info({ distributionId: id, owner: e.details }, 'unfinished distribution is run by another process');
            return false;
          }
          throw e;
        }
        // Read again under the lease: the previous owner may have finished it meanwhile.
        const current = await this.deps.ledger.getDistribution(id);
        if (!current || !(current.state === 'running' || current.state === 'confirmed' || (current.state === 'paused' && current.pauseCode === 'evidence'))) {
          await lease.release();
          return false;
        }
        this.deps.logger.info({ distributionId: id, state: current.state }, 'recovering unfinished distribution');
        // A run paused for evidence goes on; an operator's stop requested before it is kept and carried out.
        const resumed = current.state === 'paused' ? { ...withoutPause(current), state: 'running' as const } : current;
        await this.start(plan, resumed, lease);
        return true;
      });
      if (started) recovered.push(id);
    }
    return recovered;
  }

  /** Resolves when no distribution is running in this process. */
  async whenIdle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  /** Distributions running now, for health and monitoring. */
  activeIds(): string[] {
    return [...this.runs.keys()];
  }

  /**
   * Graceful shutdown: stops sending everywhere and waits for in-flight transactions to settle.
   * Distributions stay `running` in the ledger, so the next start resumes them.
   */
  async shutdown(): Promise<void> {
    for (const { run } of this.runs.values()) run.requestStop('shutdown');
    await this.whenIdle();
  }

  /**
   * Runs state changes of one distribution one at a time within this process (across processes,
   * the lease does that). Two confirms (or a confirm and a recovery) interleaving at their awaits
   * would otherwise both start a run over the same plan.
   */
  private exclusive<T>(id: string, change: () => Promise<T>): Promise<T> {
    return this.changing.run(id.trim().toLowerCase(), change);
  }

  /** Runs `change` under the distribution's lease, taken and released around it. */
  private async withLease<T>(id: string, change: (fence: Fence) => Promise<T>): Promise<T> {
    const lease = await this.deps.leases.take(id);
    try {
      return await change(lease.fence);
    } finally {
      await lease.release();
    }
  }

  private assertMayRun(): void {
    if (this.readOnlyReason !== null) throw new TributaryError('READ_ONLY', this.readOnlyReason);
    const problems = this.deps.storeProblems ?? [];
    if (problems.length > 0) {
      throw new TributaryError('STORE_NOT_DURABLE', msg('err.notDurable', { problems: listParam(problems) }), { details: { problems } });
    }
  }

  private async start(plan: Plan, record: DistributionRecord, lease: HeldLease): Promise<void> {
    if (this.runs.has(plan.id)) return;
    const running: DistributionRecord = { ...record, state: 'running', startedAt: record.startedAt ?? Date.now() };
    await this.deps.ledger.write(lease.fence, { distribution: running });
    this.settledViews.delete(plan.id);
    const run = new DistributionRun(
      {
        connection: this.deps.connection,
        rpc: this.deps.rpc,
        ledger: this.deps.ledger,
        lease,
        payer: this.deps.payer,
        events: this.deps.events,
        logger: this.deps.logger,
        options: this.deps.executor,
        onStall: (stall) => this.onStall(plan, lease, stall),
        ...(this.deps.lookupTables ? { lookupTables: this.deps.lookupTables } : {}),
      },
      plan,
      running,
    );
    if (record.stopRequested) run.requestStop(record.stopRequested);
    const done = this.drive(run, plan, lease).finally(() => {
      this.runs.delete(plan.id);
      this.settledViews.delete(plan.id);
    });
    this.runs.set(plan.id, { run, lease, done });
  }

  /** The run waits for evidence (the record says paused, and why), or has it again (running). */
  private async onStall(plan: Plan, lease: HeldLease, stall: EvidenceStall | null): Promise<void> {
    await this.exclusive(plan.id, async () => {
      const record = await this.deps.ledger.getDistribution(plan.id);
      if (!record) return;
      if (stall) {
        // An operator's stop is already on its way: the record keeps saying so, not "waiting for evidence".
        if (record.stopRequested) return;
        const reason = msg('pause.evidence', {
          count: stall.transactions.length,
          transactions: stall.transactions
            .slice(0, 5)
            .map((t) => `${t.signature} (${t.missing})`)
            .join(', '),
        });
        await this.deps.ledger.write(lease.fence, { distribution: { ...record, state: 'paused', pauseReason: reason, pauseCode: 'evidence' } });
        const run = this.runs.get(plan.id)?.run;
        if (run) this.deps.events.emit('progress', { ...run.progress('paused'), note: reason });
      } else if (record.state === 'paused' && record.pauseCode === 'evidence') {
        await this.deps.ledger.write(lease.fence, { distribution: { ...withoutPause(record), state: 'running' } });
      }
    });
  }

  private async drive(run: DistributionRun, plan: Plan, lease: HeldLease): Promise<void> {
    const { ledger, logger } = this.deps;
    let outcome: Awaited<ReturnType<DistributionRun['run']>>;
    let reason: Message | null = null;
    try {
      outcome = await run.run();
      reason = run.engineStopReason;
    } catch (e) {
      // Nothing is lost: the ledger has every signed transaction; resume settles them first.
      logger.error({ distributionId: plan.id, err: e }, 'distribution run stopped by an error; paused');
      outcome = isTributaryError(e, 'LEASE_LOST') ? 'lost' : 'paused';
      // The engine's own refusals are Messages; anything else is a technical detail, quoted as such.
      reason = isTributaryError(e) ? msg('pause.error', { error: e.said, id: plan.id }) : msg('pause.errorTechnical', { error: (e as Error).message, id: plan.id });
    }
    try {
      if (outcome === 'interrupted' || outcome === 'lost') {
        if (outcome === 'lost') logger.warn({ distributionId: plan.id }, 'another process runs this distribution now; this one stopped');
        return;
      }
      const final = outcome;
      await this.exclusive(plan.id, async () => {
        const record = (await ledger.getDistribution(plan.id)) as DistributionRecord;
        const rest = withoutStop(record);
        if (final === 'paused') {
          const pauseReason = reason ?? record.pauseReason ?? msg('pause.paused');
          await ledger.write(lease.fence, { distribution: { ...rest, state: 'paused', pauseReason, pauseCode: reason ? 'distributor' : (record.pauseCode ?? 'operator') } });
          this.deps.events.emit('progress', { ...run.progress('paused'), ...(reason ? { note: reason } : {}) });
          return;
        }
        const ended: DistributionRecord = { ...rest, state: final, finishedAt: Date.now() };
        await ledger.write(lease.fence, { distribution: ended });
        this.settledViews.delete(plan.id);
        await this.announceEnd(plan, ended, null, run.progress(final));
      });
    } catch (e) {
      logger.error({ distributionId: plan.id, err: e }, 'could not record the end of a run; the next start settles it again');
    } finally {
      await lease.release();
    }
  }

  private async announceEnd(plan: Plan, record: DistributionRecord, actor: Actor | null, progress?: ProgressEvent): Promise<void> {
    const final = progress ?? (await this.status(plan.id)).progress;
    this.deps.events.emit('completed', await this.completion(plan, record, final));
    this.deps.logger.info({ distributionId: plan.id, state: record.state, paid: final.paid, failed: final.failed, by: actor ?? undefined }, 'distribution ended');
  }

  /**
   * The distributor's balances before the first transfer (docs/invariants.md invariant 5): the reward still
   * owed and SOL for fees, rent and the distributor's own reserve. A shortfall names required vs
   * available and sends nothing.
   */
  private async preflight(plan: Plan, owed: number[]): Promise<void> {
    const { reward } = plan;
    let rewardNeeded = 0n;
    let newAccounts = 0n;
    for (const i of owed) {
      if (i >= plan.recipients.length) continue;
      rewardNeeded += plan.recipients.amount(i);
      if (plan.recipients.needsAccount(i)) newAccounts += 1n;
    }
    const share = plan.recipients.length === 0 ? 0n : BigInt(owed.length);
    const perRecipientFees = plan.recipients.length === 0 ? 0n : (plan.estimatedFeeLamports * share) / BigInt(plan.recipients.length) + 5_000n;
    const planned = plan.recipients.countNeedingAccount();
    const rentPerAccount = planned ? plan.estimatedRentLamports / BigInt(planned) : 0n;
    const reserve = plan.reserveLamports ?? payerReserve(SYSTEM_ACCOUNT_RENT_FALLBACK, plan.estimatedFeeLamports);
    const solNeeded = perRecipientFees + reserve + (reward.kind === 'spl' ? rentPerAccount * newAccounts : 0n) + (reward.kind === 'sol' ? rewardNeeded : 0n);
    const balances = await distributorBalances(this.deps.interactiveConnection, this.deps.payer.publicKey, reward);
    if (reward.kind === 'spl' && balances.sourceFrozen) {
      throw new TributaryError('SOURCE_FROZEN', msg('err.sourceFrozen', { symbol: reward.symbol }), {
        details: { mint: reward.mint },
      });
    }
    if (reward.kind === 'spl' && balances.rewardAvailable < rewardNeeded) {
      throw new TributaryError(
        'INSUFFICIENT_BALANCE',
        msg('err.rewardShort', { available: amountParam(balances.rewardAvailable, reward.decimals, reward.symbol), needed: amountParam(rewardNeeded, reward.decimals) }),
        { details: { required: rewardNeeded.toString(), available: balances.rewardAvailable.toString(), asset: reward.symbol } },
      );
    }
    if (balances.solAvailable < solNeeded) {
      throw new TributaryError(
        'INSUFFICIENT_BALANCE',
        msg(reward.kind === 'sol' ? 'err.solShortSol' : 'err.solShortSpl', {
          available: lamportsParam(balances.solAvailable),
          needed: lamportsParam(solNeeded),
          reserve: lamportsParam(reserve),
        }),
        { details: { required: solNeeded.toString(), available: balances.solAvailable.toString(), asset: 'SOL' } },
      );
    }
  }

  private async load(id: string): Promise<{ plan: Plan; record: DistributionRecord }> {
    const clean = id.trim().toLowerCase();
    const [plan, record] = await Promise.all([this.knownPlan(clean) ?? this.deps.ledger.getPlan(clean), this.deps.ledger.getDistribution(clean)]);
    if (!plan || !record) throw new TributaryError('PLAN_NOT_FOUND', msg('err.planNotFound', { id }), { details: { id } });
    return { plan, record };
  }

  /**
   * A plan this process holds already (a run's, a settled view's): plans never change once
   * written, and reading a big one from the store again costs a read of every chunk.
   */
  private knownPlan(id: string): Plan | undefined {
    return this.runs.get(id)?.run.plan ?? this.settledViews.get(id)?.plan;
  }

  private async view(id: string, plan: Plan): Promise<{ states: LedgerView }> {
    const active = this.runs.get(id);
    return active ? { states: active.run.view() } : this.settledView(id, plan);
  }

  /** The states and transaction counts of a distribution no run of this process is paying, read once and kept. */
  private async settledView(id: string, plan: Plan): Promise<SettledView> {
    const cached = this.settledViews.get(id);
    if (cached) return cached;
    const [txs, failures] = await Promise.all([this.deps.ledger.transactions(id), this.deps.ledger.failures(id)]);
    const view: SettledView = { plan, states: recipientStates(plan.recipients.length, txs, failures), transactions: transactionCounts(txs) };
    this.settledViews.set(id, view);
    return view;
  }
}

/** A record without the marks of a pause, keeping an operator's stop request that is still to be carried out. */
function withoutPause(record: DistributionRecord): DistributionRecord {
  const { pauseReason: _, pauseCode: __, ...rest } = record;
  return rest;
}

/** A record without the marks of a stop that has been carried out. */
function withoutStop(record: DistributionRecord): DistributionRecord {
  const { stopRequested: _, pauseReason: __, pauseCode: ___, ...rest } = record;
  return rest;
}

/** The rent-exempt minimum of an empty system account today, for plans made before the reserve was stored. */
const SYSTEM_ACCOUNT_RENT_FALLBACK = 890_880n;

/** A plan the preview showed would fail: moving money on it would only pay fees for failures. */
function planBlocked(plan: Plan): TributaryError {
  const reasons = (plan.blockers ?? []).map((b) =>
    b.code === 'simulation-failed'
      ? msg('err.blocker.simulation', { reason: chainErrorMessage(b.detail), detail: b.detail })
      : msg('err.blocker.rent', { count: b.count, detail: lamportsParam(BigInt(/^\d+/.exec(b.detail)?.[0] ?? '0')) }),
  );
  const fix = (plan.blockers ?? []).some((b) => b.code === 'below-rent-exemption') ? msg('err.blocker.fixRent') : msg('err.blocker.fixSimulation');
  return new TributaryError('PLAN_BLOCKED', msg('err.blocker.plan', { id: plan.id, reasons: listParam(reasons), fix }), {
    details: { id: plan.id, blockers: plan.blockers },
  });
}

function invalidState(record: DistributionRecord, action: 'confirm' | 'pause' | 'resume' | 'cancel' | 'retry'): TributaryError {
  return new TributaryError('INVALID_STATE', msg(`err.state.${action}`, { id: record.id, state: msg(`unit.state.${record.state}`) }), {
    details: { id: record.id, state: record.state },
  });
}
