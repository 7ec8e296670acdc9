import type { Logger } from 'pino';
import { fanOutNotifier, startMonitor, type HealthReport, type Monitor, type OpsNotifier } from '../monitor/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Engine } from './engine.js';

export interface MonitoringHandle {
  monitor: Monitor;
  /** Adapters register their ops notifier once connected; alerts fan out to all of them. */
  addNotifier(name: string, notifier: OpsNotifier): void;
  /** Adapters report whether they are connected, for /healthz. */
  addHealthCheck(name: string, check: () => Promise<{ ok: boolean; detail?: string }>): void;
}

const QUEUE_SAMPLE_MS = 1_000;

/** Starts metrics, history, alerts, daily reports and /metrics + /healthz, and feeds them from the engine. */
export async function startMonitoring(opts: { config: Config; store: Store; engine: Engine; logger: Logger; http: boolean }): Promise<MonitoringHandle> {
  const { config, store, engine, logger } = opts;
  const notifiers: Record<string, OpsNotifier> = {};
  const checks = new Map<string, () => Promise<{ ok: boolean; detail?: string }>>();
  const log = logger.child({ component: 'monitor' });

  checks.set('rpc', async () => {
    const health = await engine.gateway.connection('interactive').getSlot().then(
      (slot) => ({ ok: true, detail: `slot ${slot}` }),
      (e: unknown) => ({ ok: false, detail: (e as Error).message }),
    );
    return health;
  });
  checks.set('store', async () => {
    const kv = store.ns('health');
    const stamp = String(Date.now());
    await kv.set('probe', stamp, 60_000);
    return (await kv.get('probe')) === stamp ? { ok: true, detail: store.backend } : { ok: false, detail: 'read back a different value' };
  });
  const health = async (): Promise<HealthReport> => {
    const results: HealthReport['checks'] = {};
    for (const [name, check] of checks) {
      results[name] = await check().catch((e: unknown) => ({ ok: false, detail: (e as Error).message }));
    }
    return { ok: Object.values(results).every((c) => c.ok), checks: results };
  };

  const monitor = await startMonitor({
    config: config.monitor,
    stores: { history: store.ns('monitor-history'), alerts: store.ns('monitor-alerts'), reports: store.ns('monitor-reports') },
    // Read at each post, so notifiers registered after start are included.
    notifier: { post: (target, message) => fanOutNotifier({ ...notifiers }, log).post(target, message) },
    http: opts.http ? config.http : false,
    health,
    engine: engine.events,
    rpc: engine.gateway.events,
    logger: log,
  });

  engine.events.on('planned', (e) => monitor.setDistributorSolNeed(e.solAvailableLamports, e.solNeededLamports));
  engine.events.on('completed', () => {
    if (engine.service.activeIds().length === 0) monitor.clearDistributorSolNeed();
  });
  engine.events.on('snapshot', (e) => monitor.recordCache('snapshot', e.fromCache));
  const sampler = setInterval(() => {
    const { queued } = engine.gateway.stats();
    monitor.setQueueDepth('interactive', queued.interactive);
    monitor.setQueueDepth('bulk', queued.bulk);
  }, QUEUE_SAMPLE_MS);
  sampler.unref();
  const stop = monitor.stop.bind(monitor);
  monitor.stop = async () => {
    clearInterval(sampler);
    await stop();
  };

  return {
    monitor,
    addNotifier: (name, notifier) => {
      notifiers[name] = notifier;
    },
    addHealthCheck: (name, check) => checks.set(name, check),
  };
}
