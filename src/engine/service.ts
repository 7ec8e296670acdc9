import type { Connection, Keypair } from '@solana/web3.js';
import type Keyv from 'keyv';
import type { Logger } from 'pino';
import { formatAmount } from './amounts.js';
import { TributaryError } from './errors.js';
import type { EngineEventBus, ProgressEvent } from './events.js';
import { DistributionRun, progressOf, type ExecutorOptions } from './executor.js';
import type { Actor, DistributionRecord, Ledger, Plan } from './ledger.js';
import { recipientStates, type RecipientState } from './owed.js';
import { buildPreview, distributorBalances, type PlanPreview, type PreviewContext, type PreviewRequest } from './preview.js';
import { recipientReport, reportCsv, type RecipientReportRow } from './report.js';

export interface DistributionServiceDeps {
  /** Bulk lane: the distribution's own traffic. */
  connection: Connection;
  /** Interactive lane: previews and holders' questions, served ahead of bulk traffic. */
  interactiveConnection: Connection;
  ledger: Ledger;
  snapshotCache?: Keyv;
  payer: Keypair;
  events: EngineEventBus;
  logger: Logger;
  network: string;
  executor: ExecutorOptions;
  preview: Omit<PreviewContext, 'connection' | 'payer' | 'network' | 'cache'>;
}

export interface DistributionStatus {
  record: DistributionRecord;
  plan: Plan;
  progress: ProgressEvent;
}

export interface ReceivedReward {
  distributionId: string;
  reward: Plan['reward'];
  amount: bigint;
  status: RecipientState['status'];
  signature?: string;
  at: number;
}

const HISTORY_DEFAULT = 10;
/**
 * Distributions whose plan and recipient states are kept in memory for /rewards and status. A
 * 10,000-recipient view is a few MB, so the least recently used ones are dropped past this many.
 */
const SETTLED_VIEWS_KEPT = 32;

interface SettledView {
  plan: Plan;
  states: RecipientState[];
  byOwner: Map<string, number>;
}

/**
 * The engine's front door: preview, confirm, pause, resume, cancel, retry-failed, status, history,
 * report, and a holder's rewards. It owns the distribution state machine (DESIGN.md "States") and
 * runs at most one DistributionRun per distribution.
 */
export class DistributionService {
  private readonly runs = new Map<string, { run: DistributionRun; done: Promise<void> }>();
  /** The tail of each distribution's queue of state changes (see `exclusive`). */
  private readonly changing = new Map<string, Promise<void>>();
  /** Recipient states of distributions not running, by id; dropped whenever the service changes one. */
  private readonly settledViews = new Map<string, SettledView>();

  constructor(private readonly deps: DistributionServiceDeps) {}

  async preview(req: PreviewRequest, actor: Actor): Promise<PlanPreview> {
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
    this.deps.events.emit('planned', {
      distributionId: plan.id,
      solAvailableLamports: preview.balances.solAvailable,
      solNeededLamports: preview.solNeededLamports,
      at: Date.now(),
    });
    // Kept a while past expiry so a late confirm is told "expired", not "unknown".
    const keepMs = this.deps.preview.previewTtlMs * 2 + 60_000;
    await this.deps.ledger.savePlan(plan, keepMs);
    await this.deps.ledger.saveDistribution({ id: plan.id, state: 'previewed', createdBy: actor, createdAt: plan.createdAt, round: 0 });
    return preview;
  }

  /**
   * Confirms the plan shown under `id`. On mainnet the operator repeats the total
   * (`acknowledgeTotal`), so a confirm button pressed by habit moves no money.
   */
  async confirm(id: string, actor: Actor, opts: { acknowledgeTotal?: string } = {}): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      const { plan, record } = await this.load(id);
      if (record.state !== 'previewed') throw invalidState(record, 'confirm', 'only a previewed plan can be confirmed');
      if (Date.now() > plan.expiresAt) {
        await this.deps.ledger.saveDistribution({ ...record, state: 'expired' });
        throw new TributaryError('PLAN_EXPIRED', `plan ${id} expired; run /distribute preview again`, { details: { id } });
      }
      const total = formatAmount(plan.total, plan.reward.decimals);
      if (plan.network === 'mainnet-beta' && opts.acknowledgeTotal?.trim() !== total) {
        throw new TributaryError(
          'CONFIRMATION_REQUIRED',
          `this is mainnet: confirm again with the total, /distribute confirm id:${id} total:${total}`,
          { details: { id, total } },
        );
      }
      await this.preflight(plan, plan.recipients.map((_, i) => i));
      const confirmed: DistributionRecord = { ...record, state: 'confirmed', confirmedBy: actor, confirmedAt: Date.now() };
      await this.deps.ledger.keepPlan(plan);
      await this.deps.ledger.saveDistribution(confirmed);
      await this.deps.ledger.addToIndex(id);
      this.deps.logger.info({ distributionId: id, by: actor, total, recipients: plan.recipients.length }, 'distribution confirmed');
      await this.start(plan, confirmed);
      return this.status(id);
    });
  }

  async pause(id: string, actor: Actor): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      const { record } = await this.load(id);
      if (record.state !== 'running') throw invalidState(record, 'pause', 'only a running distribution can be paused');
      await this.deps.ledger.saveDistribution({ ...record, stopRequested: 'pause', pauseReason: `paused by ${actor.name ?? actor.userId}` });
      this.runs.get(id)?.run.requestStop('pause');
      await this.runs.get(id)?.done;
      return this.status(id);
    });
  }

  async resume(id: string, actor: Actor): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      const { plan, record } = await this.load(id);
      if (record.state !== 'paused') throw invalidState(record, 'resume', 'only a paused distribution can be resumed');
      const view = await this.view(id, plan);
      await this.preflight(plan, view.states.flatMap((s, i) => (s.status === 'pending' ? [i] : [])));
      const { stopRequested: _, pauseReason: __, ...rest } = record;
      const resumed: DistributionRecord = { ...rest, state: 'running' };
      this.deps.logger.info({ distributionId: id, by: actor }, 'distribution resumed');
      await this.start(plan, resumed);
      return this.status(id);
    });
  }

  async cancel(id: string, actor: Actor): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      const { plan, record } = await this.load(id);
      if (record.state === 'previewed') {
        await this.deps.ledger.saveDistribution({ ...record, state: 'cancelled', finishedAt: Date.now() });
        return this.status(id);
      }
      if (record.state === 'running') {
        await this.deps.ledger.saveDistribution({ ...record, stopRequested: 'cancel' });
        this.runs.get(id)?.run.requestStop('cancel');
        await this.runs.get(id)?.done;
        return this.status(id);
      }
      if (record.state === 'paused' || record.state === 'confirmed') {
        const failures = await this.deps.ledger.failures(id);
        const view = await this.view(id, plan);
        view.states.forEach((s, i) => {
          if (s.status === 'pending') failures.set(i, { reason: 'cancelled before it was sent', at: Date.now(), round: record.round });
        });
        await this.deps.ledger.saveFailures(id, failures);
        await this.finish(plan, { ...record, state: 'cancelled', finishedAt: Date.now() }, actor);
        return this.status(id);
      }
      throw invalidState(record, 'cancel', 'it has already ended');
    });
  }

  /** Pays the recipients that failed, again: a new round over the same plan. */
  async retryFailed(id: string, actor: Actor): Promise<DistributionStatus> {
    return this.exclusive(id, async () => {
      const { plan, record } = await this.load(id);
      if (record.state !== 'completed' && record.state !== 'cancelled') throw invalidState(record, 'retry', 'retry-failed is for a distribution that has ended');
      const failures = await this.deps.ledger.failures(id);
      if (failures.size === 0) throw new TributaryError('NOTHING_TO_RETRY', `distribution ${id} has no failed recipients`, { details: { id } });
      await this.preflight(plan, [...failures.keys()]);
      await this.deps.ledger.saveFailures(id, new Map());
      this.settledViews.delete(id);
      const { finishedAt: _, ...rest } = record;
      this.deps.logger.info({ distributionId: id, by: actor, recipients: failures.size }, 'retrying failed recipients');
      await this.start(plan, { ...rest, state: 'running', round: record.round + 1 });
      return this.status(id);
    });
  }

  async status(id: string): Promise<DistributionStatus> {
    const { plan, record } = await this.load(id);
    const active = this.runs.get(id);
    if (active) return { record, plan, progress: active.run.progress(record.state) };
    const txs = await this.deps.ledger.transactions(id);
    const view = await this.view(id, plan);
    return { record, plan, progress: progressOf(plan, view.states, txs, { state: record.state, since: record.startedAt ?? Date.now(), settledAtStart: 0 }) };
  }

  async history(limit = HISTORY_DEFAULT): Promise<DistributionStatus[]> {
    const ids = (await this.deps.ledger.distributionIds()).slice(-limit).reverse();
    return Promise.all(ids.map((id) => this.status(id)));
  }

  async report(id: string): Promise<RecipientReportRow[]> {
    const { plan } = await this.load(id);
    const txs = await this.deps.ledger.transactions(id);
    const failures = await this.deps.ledger.failures(id);
    return recipientReport(plan, recipientStates(plan.recipients.length, txs, failures).states);
  }

  async exportCsv(id: string): Promise<string> {
    const { plan } = await this.load(id);
    return reportCsv(plan, await this.report(id));
  }

  /** What `wallet` received (or is owed) in each confirmed distribution, newest first. */
  async rewardsFor(wallet: string): Promise<ReceivedReward[]> {
    const out: ReceivedReward[] = [];
    const ids = await this.deps.ledger.distributionIds();
    for (const id of [...ids].reverse()) {
      const plan = this.settledViews.get(id)?.plan ?? (await this.deps.ledger.getPlan(id));
      if (!plan) continue;
      const view = await this.view(id, plan);
      const index = view.byOwner.get(wallet);
      if (index === undefined) continue;
      const state = view.states[index] as RecipientState;
      out.push({
        distributionId: id,
        reward: plan.reward,
        amount: (plan.recipients[index] as Plan['recipients'][number]).amount,
        status: state.status,
        ...(state.signature ? { signature: state.signature } : {}),
        at: plan.createdAt,
      });
    }
    return out;
  }

  /** Starts runs that a crash or restart interrupted; paused ones stay paused. */
  async recoverUnfinished(): Promise<string[]> {
    const recovered: string[] = [];
    for (const id of await this.deps.ledger.distributionIds()) {
      const record = await this.deps.ledger.getDistribution(id);
      if (!record || (record.state !== 'running' && record.state !== 'confirmed')) continue;
      const plan = await this.deps.ledger.getPlan(id);
      if (!plan) continue;
      this.deps.logger.info({ distributionId: id, state: record.state }, 'recovering unfinished distribution');
      await this.exclusive(id, () => this.start(plan, record));
      recovered.push(id);
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
   * Runs state changes of one distribution one at a time. Two confirms (or a confirm and a
   * recovery) interleaving at their awaits would otherwise both start a run over the same plan,
   * and two runs over one ledger would each sign every recipient.
   */
  private async exclusive<T>(id: string, change: () => Promise<T>): Promise<T> {
    const key = id.trim().toLowerCase();
    const previous = this.changing.get(key) ?? Promise.resolve();
    const next = previous.then(change, change);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.changing.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.changing.get(key) === settled) this.changing.delete(key);
    }
  }

  private async start(plan: Plan, record: DistributionRecord): Promise<void> {
    if (this.runs.has(plan.id)) return;
    const running: DistributionRecord = { ...record, state: 'running', startedAt: record.startedAt ?? Date.now() };
    await this.deps.ledger.saveDistribution(running);
    this.settledViews.delete(plan.id);
    const run = new DistributionRun(
      { connection: this.deps.connection, ledger: this.deps.ledger, payer: this.deps.payer, events: this.deps.events, logger: this.deps.logger, options: this.deps.executor },
      plan,
      running,
    );
    if (record.stopRequested) run.requestStop(record.stopRequested);
    const done = this.drive(run, plan).finally(() => {
      this.runs.delete(plan.id);
      this.settledViews.delete(plan.id);
    });
    this.runs.set(plan.id, { run, done });
  }

  private async drive(run: DistributionRun, plan: Plan): Promise<void> {
    const { ledger, logger } = this.deps;
    let outcome: Awaited<ReturnType<DistributionRun['run']>>;
    let reason: string | null = null;
    try {
      outcome = await run.run();
      reason = run.engineStopReason;
    } catch (e) {
      // Nothing is lost: the ledger has every signed transaction; resume settles them first.
      logger.error({ distributionId: plan.id, err: e }, 'distribution run stopped by an error; paused');
      outcome = 'paused';
      reason = `stopped by an error: ${(e as Error).message}`;
    }
    const record = (await ledger.getDistribution(plan.id)) as DistributionRecord;
    if (outcome === 'interrupted') return;
    const { stopRequested: _, ...rest } = record;
    if (outcome === 'paused') {
      await ledger.saveDistribution({ ...rest, state: 'paused', pauseReason: reason ?? record.pauseReason ?? 'paused' });
      this.deps.events.emit('progress', { ...run.progress('paused'), ...(reason ? { note: reason } : {}) });
      return;
    }
    await this.finish(plan, { ...rest, state: outcome, finishedAt: Date.now() }, null, run.progress(outcome));
  }

  private async finish(plan: Plan, record: DistributionRecord, actor: Actor | null, progress?: ProgressEvent): Promise<void> {
    await this.deps.ledger.saveDistribution(record);
    this.settledViews.delete(plan.id);
    const final = progress ?? (await this.status(plan.id)).progress;
    const attempted = final.paid + final.failed;
    this.deps.events.emit('completed', {
      ...final,
      state: record.state,
      successRate: attempted === 0 ? 1 : final.paid / attempted,
      durationMs: (record.finishedAt ?? Date.now()) - (record.startedAt ?? record.finishedAt ?? Date.now()),
    });
    this.deps.logger.info({ distributionId: plan.id, state: record.state, paid: final.paid, failed: final.failed, by: actor ?? undefined }, 'distribution ended');
  }

  /**
   * The distributor's balances before the first transfer (DESIGN.md invariant 5): the reward still
   * owed and SOL for fees and rent. A shortfall names required vs available and sends nothing.
   */
  private async preflight(plan: Plan, owed: number[]): Promise<void> {
    const { reward } = plan;
    let rewardNeeded = 0n;
    let newAccounts = 0n;
    for (const i of owed) {
      const r = plan.recipients[i];
      if (!r) continue;
      rewardNeeded += r.amount;
      if (r.needsAccount) newAccounts += 1n;
    }
    const share = plan.recipients.length === 0 ? 0n : BigInt(owed.length);
    const perRecipientFees = plan.recipients.length === 0 ? 0n : (plan.estimatedFeeLamports * share) / BigInt(plan.recipients.length) + 5_000n;
    const rentPerAccount = plan.recipients.filter((r) => r.needsAccount).length
      ? plan.estimatedRentLamports / BigInt(plan.recipients.filter((r) => r.needsAccount).length)
      : 0n;
    const solNeeded = perRecipientFees + (reward.kind === 'spl' ? rentPerAccount * newAccounts : 0n) + (reward.kind === 'sol' ? rewardNeeded : 0n);
    const balances = await distributorBalances(this.deps.interactiveConnection, this.deps.payer.publicKey, reward);
    if (reward.kind === 'spl' && balances.sourceFrozen) {
      throw new TributaryError('SOURCE_FROZEN', `the distributor's ${reward.symbol} account is frozen by the mint's freeze authority: nothing can be paid from it`, {
        details: { mint: reward.mint },
      });
    }
    if (reward.kind === 'spl' && balances.rewardAvailable < rewardNeeded) {
      throw new TributaryError(
        'INSUFFICIENT_BALANCE',
        `the distributor holds ${formatAmount(balances.rewardAvailable, reward.decimals)} ${reward.symbol} but this needs ${formatAmount(rewardNeeded, reward.decimals)}`,
        { details: { required: rewardNeeded.toString(), available: balances.rewardAvailable.toString(), asset: reward.symbol } },
      );
    }
    if (balances.solAvailable < solNeeded) {
      throw new TributaryError(
        'INSUFFICIENT_BALANCE',
        `the distributor holds ${formatAmount(balances.solAvailable, 9)} SOL but this needs ${formatAmount(solNeeded, 9)} SOL${reward.kind === 'sol' ? ' (total, fees and rent)' : ' for fees and new-account rent'}`,
        { details: { required: solNeeded.toString(), available: balances.solAvailable.toString(), asset: 'SOL' } },
      );
    }
  }

  private async load(id: string): Promise<{ plan: Plan; record: DistributionRecord }> {
    const clean = id.trim().toLowerCase();
    const [plan, record] = await Promise.all([this.deps.ledger.getPlan(clean), this.deps.ledger.getDistribution(clean)]);
    if (!plan || !record) throw new TributaryError('PLAN_NOT_FOUND', `no distribution or plan with id "${id}"`, { details: { id } });
    return { plan, record };
  }

  private async view(id: string, plan: Plan): Promise<{ states: RecipientState[]; byOwner: Map<string, number> }> {
    const active = this.runs.get(id);
    const byOwner = () => new Map(plan.recipients.map((r, i) => [r.owner, i]));
    if (active) return { states: active.run.view().states, byOwner: byOwner() };
    const cached = this.settledViews.get(id);
    if (cached) {
      // Re-inserted so the Map's order is least recently used first.
      this.settledViews.delete(id);
      this.settledViews.set(id, cached);
      return cached;
    }
    const [txs, failures] = await Promise.all([this.deps.ledger.transactions(id), this.deps.ledger.failures(id)]);
    const view: SettledView = { plan, states: recipientStates(plan.recipients.length, txs, failures).states, byOwner: byOwner() };
    this.settledViews.set(id, view);
    const oldest = this.settledViews.keys().next();
    if (this.settledViews.size > SETTLED_VIEWS_KEPT && !oldest.done) this.settledViews.delete(oldest.value);
    return view;
  }
}

function invalidState(record: DistributionRecord, action: string, why: string): TributaryError {
  return new TributaryError('INVALID_STATE', `cannot ${action} ${record.id}: it is ${record.state}; ${why}`, { details: { id: record.id, state: record.state } });
}
