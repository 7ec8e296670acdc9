import { Mutex } from 'async-mutex';
import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import type { EngineEventBus, ProgressEvent } from '../engine/events.js';
import { compare, evaluateRule, unitOf, type RunningDistribution } from './alert-eval.js';
import type { MinuteBucket } from './bucket.js';
import type { AlertRule, Operator, Severity, Target } from './config.js';
import { OPERATOR_TEXT, formatValue } from './format.js';
import { errorDetail, silentLogger, type MonitorLogger } from './logger.js';
import type { OpsNotifier } from './notifier.js';
import { MINUTE_MS } from './time.js';
import { durationParam, msg, type Message } from '../i18n/message.js';

/**
 * Alert lifecycle: evaluate the rules on a timer, post an alert once when it fires, a reminder every
 * `reminderIntervalMs` while it stays active and unacknowledged, and one resolution when it clears.
 * The active set is saved in the store after every change, so a restart neither forgets an alert nor
 * posts it again as new.
 */

/** Where the rule values come from: the minute history (a MetricHistory fits). */
export interface WindowSource {
  recent(windowMs: number): Promise<MinuteBucket[]>;
}

export interface ActiveAlert {
  /** Short id for chat: "ack a3f9c1". */
  id: string;
  ruleId: string;
  metric: string;
  severity: Severity;
  operator: Operator;
  threshold: number;
  windowMs: number;
  /** Latest value seen while active. */
  value: number;
  detail?: Message;
  firedAt: number;
  lastNotifiedAt: number;
  acknowledgedBy?: string;
  acknowledgedAt?: number;
}

export interface AlertManagerOptions {
  rules: readonly AlertRule[];
  history: WindowSource;
  /** Keyv namespace for the alert state. */
  store: Keyv;
  notifier: OpsNotifier;
  /** How often the rules are evaluated, ms (config `monitor.evaluationIntervalMs`; its schema is the one place of the default). */
  evaluationIntervalMs: number;
  /** How often an unacknowledged alert is repeated, ms (config `monitor.reminderIntervalMs`). */
  reminderIntervalMs: number;
  now?: () => number;
  logger?: MonitorLogger;
  /** Called when an alert fires (the recorder counts them for the daily report). */
  onFired?: (alert: ActiveAlert) => void;
}

const STATE_KEY = 'active';
/** What to do about a default rule's alert (config.ts's DEFAULT_ALERT_RULES), unless the config gives a hint. */
const DEFAULT_HINTS: Readonly<Record<string, Message>> = {
  distribution_success_rate: msg('alert.defaultHint.successRate'),
  rpc_429_rate: msg('alert.defaultHint.rateLimited'),
  distributor_sol_low: msg('alert.defaultHint.solLow'),
};
const SEVERITY_MARK: Record<Severity, string> = { critical: '🚨', high: '🔴', medium: '🟠', low: '🟡' };

export class AlertManager {
  private readonly rules: readonly AlertRule[];
  private readonly now: () => number;
  private readonly logger: MonitorLogger;
  private readonly evaluationIntervalMs: number;
  private readonly reminderIntervalMs: number;
  private active = new Map<string, ActiveAlert>();
  private readonly running = new Map<string, RunningDistribution>();
  private sol: { available: bigint; required: bigint } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private evaluating: Promise<void> | undefined;
  private readonly saving = new Mutex();
  private loaded = false;

  constructor(private readonly options: AlertManagerOptions) {
    this.rules = options.rules;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.evaluationIntervalMs = options.evaluationIntervalMs;
    this.reminderIntervalMs = options.reminderIntervalMs;
  }

  /** Loads the saved active alerts and starts the evaluation loop (an unref'd timer). */
  async start(): Promise<void> {
    await this.load();
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.evaluationIntervalMs);
      this.timer.unref();
    }
  }

  /** Stops the loop and waits for an evaluation in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.evaluating;
    await this.saving.waitForUnlock();
  }

  /** Keeps the live view of running distributions the success-rate and stall rules read. */
  bindEngine(bus: EngineEventBus): () => void {
    const onProgress = (ev: ProgressEvent) => this.observeProgress(ev);
    const onCompleted = (ev: ProgressEvent) => this.running.delete(ev.distributionId);
    bus.on('progress', onProgress);
    bus.on('completed', onCompleted);
    return () => {
      bus.off('progress', onProgress);
      bus.off('completed', onCompleted);
    };
  }

  observeProgress(ev: ProgressEvent): void {
    // Only a running distribution can stall or still be saved by a pause; paused ones are not watched.
    if (ev.state !== 'running') {
      this.running.delete(ev.distributionId);
      return;
    }
    const prev = this.running.get(ev.distributionId);
    const changed = !prev || prev.paid !== ev.paid || prev.failed !== ev.failed;
    this.running.set(ev.distributionId, {
      id: ev.distributionId,
      paid: ev.paid,
      failed: ev.failed,
      lastChangeAt: changed ? this.now() : prev.lastChangeAt,
    });
  }

  /** The engine feeds what the distributor holds and what the next planned distribution needs, in lamports. */
  setDistributorSolNeed(available: bigint, required: bigint): void {
    this.sol = { available, required };
  }

  /** No distribution planned: nothing to compare with. */
  clearDistributorSolNeed(): void {
    this.sol = undefined;
  }

  /** Active alerts, most severe first. */
  list(): ActiveAlert[] {
    const order: Severity[] = ['critical', 'high', 'medium', 'low'];
    return [...this.active.values()].map((a) => ({ ...a })).sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity) || a.firedAt - b.firedAt);
  }

  /** Acknowledges an active alert: no more reminders (its resolution is still posted). Undefined when no such alert is active. */
  async ack(id: string, by: string): Promise<ActiveAlert | undefined> {
    await this.load();
    const alert = [...this.active.values()].find((a) => a.id === id.trim().toLowerCase());
    if (!alert) return undefined;
    if (alert.acknowledgedBy === undefined) {
      alert.acknowledgedBy = by;
      alert.acknowledgedAt = this.now();
      await this.save();
    }
    return { ...alert };
  }

  /** One evaluation pass; the loop calls it, tests call it directly. Passes never overlap. */
  evaluate(): Promise<void> {
    this.evaluating ??= this.evaluateOnce().finally(() => {
      this.evaluating = undefined;
    });
    return this.evaluating;
  }

  private async tick(): Promise<void> {
    try {
      await this.evaluate();
    } catch (err) {
      this.logger.error({ err: errorDetail(err) }, 'alert evaluation failed');
    }
  }

  private async evaluateOnce(): Promise<void> {
    await this.load();
    const now = this.now();
    const enabled = this.rules.filter((r) => r.enabled);
    const longest = Math.max(MINUTE_MS, ...enabled.map((r) => r.windowMs));
    const buckets = await this.options.history.recent(longest);
    const live = { now, running: [...this.running.values()], sol: this.sol };
    let changed = false;

    for (const rule of enabled) {
      let result;
      try {
        result = evaluateRule(rule, buckets, live);
      } catch (err) {
        // A broken rule must not hide the others, nor resolve its own alert on a bug.
        this.logger.error({ err: errorDetail(err), rule: rule.id }, 'alert rule could not be evaluated');
        continue;
      }
      const breached = result !== null && compare(result.value, rule.operator, rule.threshold);
      const alert = this.active.get(rule.id);
      if (breached && result) {
        if (!alert) {
          const fired: ActiveAlert = {
            id: this.newId(),
            ruleId: rule.id,
            metric: rule.metric,
            severity: rule.severity,
            operator: rule.operator,
            threshold: rule.threshold,
            windowMs: rule.windowMs,
            value: result.value,
            ...(result.detail === undefined ? {} : { detail: result.detail }),
            firedAt: now,
            lastNotifiedAt: now,
          };
          this.active.set(rule.id, fired);
          changed = true;
          // Saved before posting: a crash in between loses one message, never causes a duplicate alert.
          await this.save();
          this.options.onFired?.(fired);
          await this.post(rule.targets, this.firedText(fired, rule));
        } else {
          alert.value = result.value;
          if (result.detail !== undefined) alert.detail = result.detail;
          if (alert.acknowledgedBy === undefined && now - alert.lastNotifiedAt >= this.reminderIntervalMs) {
            alert.lastNotifiedAt = now;
            changed = true;
            await this.save();
            await this.post(rule.targets, this.reminderText(alert, rule, now));
          }
        }
      } else if (alert) {
        this.active.delete(rule.id);
        changed = true;
        await this.save();
        await this.post(rule.targets, this.resolvedText(alert, rule, result?.value, now));
      }
    }

    // Alerts whose rule was removed or disabled since they fired: close them so they do not linger forever.
    for (const alert of [...this.active.values()]) {
      if (enabled.some((r) => r.id === alert.ruleId)) continue;
      this.active.delete(alert.ruleId);
      changed = true;
      await this.save();
      await this.post(['alerts'], [msg('alert.closed', { id: alert.id, rule: alert.ruleId })]);
    }
    if (changed) await this.saving.waitForUnlock();
  }

  private firedText(a: ActiveAlert, rule: AlertRule): Message[] {
    const unit = unitOf(rule.metric);
    const values = { metric: rule.metric, value: formatValue(unit, a.value), op: OPERATOR_TEXT[rule.operator], threshold: formatValue(unit, rule.threshold) };
    const lines: Message[] = [
      msg('alert.fired', { mark: SEVERITY_MARK[a.severity], severity: msg(`alert.severity.${a.severity}`), id: a.id, rule: rule.id }),
      unitOf(rule.metric) === 'coverage' || rule.metric === 'distribution_stall_ms'
        ? msg('alert.metric', values)
        : msg('alert.metricWindow', { ...values, aggregation: rule.aggregation, window: durationParam(rule.windowMs / 1000, { coarse: true }) }),
    ];
    if (a.detail) lines.push(a.detail);
    // A configured hint is the operator's own text, shown as written; the default rules' hints are the catalogue's.
    const hint = rule.hint ? rule.hint : DEFAULT_HINTS[rule.id];
    if (hint) lines.push(msg('alert.hint', { hint }));
    lines.push(msg('alert.ack', { id: a.id }));
    return lines;
  }

  private reminderText(a: ActiveAlert, rule: AlertRule, now: number): Message[] {
    const unit = unitOf(rule.metric);
    const values = { value: formatValue(unit, a.value), op: OPERATOR_TEXT[rule.operator], threshold: formatValue(unit, rule.threshold) };
    return [
      msg('alert.reminder', {
        duration: durationParam((now - a.firedAt) / 1000, { coarse: true }),
        mark: SEVERITY_MARK[a.severity],
        severity: msg(`alert.severity.${a.severity}`),
        id: a.id,
        rule: rule.id,
      }),
      a.detail ? msg('alert.reminderDetail', { ...values, detail: a.detail }) : msg('alert.reminderNow', values),
      msg('alert.ack', { id: a.id }),
    ];
  }

  private resolvedText(a: ActiveAlert, rule: AlertRule, value: number | undefined, now: number): Message[] {
    const unit = unitOf(rule.metric);
    const state = value === undefined ? msg('alert.noData') : msg('alert.now', { value: formatValue(unit, value) });
    const said = { id: a.id, rule: rule.id, duration: durationParam((now - a.firedAt) / 1000, { coarse: true }), state };
    return [a.acknowledgedBy ? msg('alert.resolvedAcked', { ...said, name: a.acknowledgedBy }) : msg('alert.resolved', said)];
  }

  private async post(targets: readonly Target[], lines: readonly Message[]): Promise<void> {
    for (const target of targets) {
      try {
        await this.options.notifier.post(target, { lines });
      } catch (err) {
        // The fan-out never throws; a bare adapter might. Either way the alert state stays as decided.
        this.logger.warn({ err: errorDetail(err), target }, 'alert message not delivered');
      }
    }
  }

  private newId(): string {
    const taken = new Set([...this.active.values()].map((a) => a.id));
    for (;;) {
      const id = randomBytes(3).toString('hex');
      if (!taken.has(id)) return id;
    }
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const saved = await this.options.store.get<Record<string, ActiveAlert>>(STATE_KEY);
      for (const [ruleId, alert] of Object.entries(saved ?? {})) if (!this.active.has(ruleId)) this.active.set(ruleId, alert);
    } catch (err) {
      this.loaded = false;
      throw err;
    }
  }

  /** Writes the active set; writes run one at a time in call order, so the last one holds the latest state. */
  private save(): Promise<void> {
    return this.saving.runExclusive(async () => {
      try {
        const ok = await this.options.store.set(STATE_KEY, Object.fromEntries(this.active));
        if (!ok) throw new Error('store refused to write the alert state');
      } catch (err) {
        this.logger.error({ err: errorDetail(err) }, 'alert state not saved');
      }
    });
  }
}
