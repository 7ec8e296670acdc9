import type Keyv from 'keyv';
import type { EngineEventBus } from '../engine/events.js';
import type { RpcEventBus } from '../solana/rpc-events.js';
import { AlertManager } from './alerts.js';
import type { MonitorConfig } from './config.js';
import { MetricHistory } from './history.js';
import { startMonitorHttp, type HealthReport, type MonitorHttp } from './http.js';
import { silentLogger, type MonitorLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { OpsNotifier } from './notifier.js';
import { HistoryRecorder } from './recorder.js';
import { ReportScheduler } from './report-scheduler.js';

/**
 * The whole monitoring layer in one call, for the app's start-up: metrics, minute history, alerts, the daily
 * report and the HTTP endpoint, wired to each other. Every part is also usable alone (tests build them directly).
 */

export interface StartMonitorOptions {
  /** The parsed `monitor` section of the config. */
  config: MonitorConfig;
  /** Three Keyv namespaces, e.g. `store.ns('monitor-history')`, `store.ns('monitor-alerts')`, `store.ns('monitor-reports')`. */
  stores: { history: Keyv; alerts: Keyv; reports: Keyv };
  /** Usually `fanOutNotifier({ discord, telegram, console }, logger)`. */
  notifier: OpsNotifier;
  /** Host and port of /metrics and /healthz (the top-level `http` config); false = no server. */
  http: { host: string; port: number } | false;
  /** The app's own checks (store, RPC, chat connections); the monitor adds one for its history writes. */
  health?: () => Promise<HealthReport>;
  /** Bound at start when given; or call `bindEngine` / `bindRpc` later. */
  engine?: EngineEventBus;
  rpc?: RpcEventBus;
  logger?: MonitorLogger;
  /** Clock for tests. Default Date.now. */
  now?: () => number;
  /** Take CPU/memory/event-loop samples. Default true. */
  sampleProcess?: boolean;
}

export interface Monitor {
  metrics: Metrics;
  history: MetricHistory;
  recorder: HistoryRecorder;
  alerts: AlertManager;
  reports: ReportScheduler;
  http: MonitorHttp | undefined;
  bindEngine(bus: EngineEventBus): () => void;
  bindRpc(bus: RpcEventBus): () => void;
  /** Chat command received to first reply, ms; called by the platform adapters. */
  observeCommand(command: string, platform: string, ms: number): void;
  /** One cache lookup; called by the cache layer. */
  recordCache(cache: string, hit: boolean): void;
  /** Bottleneck lane depth; called by the RPC gateway (e.g. on its limiter's "queued"/"done" events). */
  setQueueDepth(lane: string, depth: number): void;
  /** Distributor SOL and what the next planned distribution needs, lamports; called by the engine after planning. */
  setDistributorSolNeed(available: bigint, required: bigint): void;
  clearDistributorSolNeed(): void;
  /** Stops every timer, closes the server and flushes the history. */
  stop(): Promise<void>;
}

export async function startMonitor(options: StartMonitorOptions): Promise<Monitor> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;

  const metrics = createMetrics({
    prefix: config.metrics.prefix,
    collectDefault: config.metrics.collectDefault,
    eventLoopResolutionMs: config.metrics.eventLoopResolutionMs,
  });
  const history = new MetricHistory(options.stores.history, {
    retentionDays: config.history.retentionDays,
    flushIntervalMs: config.history.flushIntervalMs,
    now,
    logger,
  });
  const recorder = new HistoryRecorder(history, {
    sampleIntervalMs: config.history.sampleIntervalMs,
    eventLoopResolutionMs: config.metrics.eventLoopResolutionMs,
    sampleProcess: options.sampleProcess ?? true,
    now,
    logger,
  });
  const alerts = new AlertManager({
    rules: config.alerts.enabled ? config.alerts.rules : [],
    history,
    store: options.stores.alerts,
    notifier: options.notifier,
    evaluationIntervalMs: config.evaluationIntervalMs,
    reminderIntervalMs: config.reminderIntervalMs,
    now,
    logger,
    onFired: (a) => recorder.recordAlert(a.ruleId, a.severity),
  });
  const reports = new ReportScheduler({
    history,
    store: options.stores.reports,
    notifier: options.notifier,
    time: config.report.time,
    timeZone: config.report.timeZone,
    targets: config.report.targets,
    chart: config.report.chart,
    successRateTarget: config.report.successRateTarget,
    recommend: config.report.recommend,
    checkIntervalMs: config.report.checkIntervalMs,
    // The drawing library and its font load on the first report, not at start.
    renderChart: async (r, say) => (await import('./chart.js')).renderDayChart(r, say, { latencyTargetMs: config.report.recommend.latencyP95Ms }),
    now,
    logger,
  });

  const unbind: (() => void)[] = [];
  const bindEngine = (bus: EngineEventBus) => {
    const offs = [metrics.bindEngine(bus), recorder.bindEngine(bus), alerts.bindEngine(bus)];
    const off = () => offs.forEach((f) => f());
    unbind.push(off);
    return off;
  };
  const bindRpc = (bus: RpcEventBus) => {
    const offs = [metrics.bindRpc(bus), recorder.bindRpc(bus)];
    const off = () => offs.forEach((f) => f());
    unbind.push(off);
    return off;
  };
  // Bound before the loads below, so no event of the start-up is missed; the history merges late loads.
  if (options.engine) bindEngine(options.engine);
  if (options.rpc) bindRpc(options.rpc);

  await history.start();
  await recorder.start();
  await alerts.start();
  if (config.report.enabled) await reports.start();

  const health = async (): Promise<HealthReport> => {
    const app = options.health ? await options.health() : { ok: true, checks: {} };
    const checks = {
      ...app.checks,
      monitor_history: history.lastFlushError === undefined ? { ok: true } : { ok: false, detail: `history not written: ${history.lastFlushError}` },
    };
    return { ok: app.ok && Object.values(checks).every((c) => c.ok), checks };
  };
  const http = options.http === false ? undefined : await startMonitorHttp({ ...options.http, registry: metrics.registry, health });
  if (http) logger.info({ url: http.url }, 'monitor: /metrics and /healthz listening');

  return {
    metrics,
    history,
    recorder,
    alerts,
    reports,
    http,
    bindEngine,
    bindRpc,
    observeCommand(command, platform, ms) {
      metrics.observeCommand(command, platform, ms);
      recorder.observeCommand(ms);
    },
    recordCache(cache, hit) {
      metrics.recordCache(cache, hit);
      recorder.recordCache(cache, hit);
    },
    setQueueDepth(lane, depth) {
      metrics.setQueueDepth(lane, depth);
    },
    setDistributorSolNeed(available, required) {
      metrics.setDistributorSol(available, required);
      alerts.setDistributorSolNeed(available, required);
    },
    clearDistributorSolNeed() {
      alerts.clearDistributorSolNeed();
    },
    async stop() {
      for (const off of unbind.splice(0)) off();
      await http?.close();
      await alerts.stop();
      await reports.stop();
      recorder.stop();
      await history.stop();
      metrics.stop();
    },
  };
}
