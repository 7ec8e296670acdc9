import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { probeRpc, rpcVerdictMessage } from '../solana/probe.js';
import { say } from '../i18n/index.js';
import { fanOutNotifier, startMonitor, type HealthReport, type OpsNotifier } from '../monitor/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Engine } from './engine.js';
import type { MonitoringHandle } from '../monitor/handle.js';

export type { MonitoringHandle };

const QUEUE_SAMPLE_MS = 1_000;
/** How long an RPC verdict is reused by /healthz: a probe storm must not become an RPC storm. */
const RPC_CHECK_TTL_MS = 5_000;
/** How long a whole health report is reused by probes that arrive after it was made. */
const HEALTH_REUSE_MS = 1_000;

type HealthCheck = { ok: boolean; detail?: string };

/**
 * `make` run once for all callers that arrive while it runs, and its result reused for `ttlMs`
 * after it settled (a failure too: an endpoint that is down is not asked again at every probe).
 */
function shared<T>(ttlMs: number, make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  let kept: { value: Promise<T>; until: number } | null = null;
  return () => {
    if (kept && Date.now() < kept.until) return kept.value;
    if (pending) return pending;
    const run = make();
    pending = run;
    const settle = () => {
      pending = null;
      kept = { value: run, until: Date.now() + ttlMs };
    };
    run.then(settle, settle);
    return run;
  };
}

/** Starts metrics, history, alerts, daily reports and /metrics + /healthz, and feeds them from the engine. */
export async function startMonitoring(opts: { config: Config; store: Store; engine: Engine; logger: Logger; http: boolean }): Promise<MonitoringHandle> {
  const { config, store, engine, logger } = opts;
  const notifiers: Record<string, OpsNotifier> = {};
  const checks = new Map<string, () => Promise<HealthCheck>>();
  const log = logger.child({ component: 'monitor' });

  // /healthz may be probed by several checkers at once (a load balancer, Docker, Prometheus):
  // probes that arrive while a report is being made share it, and a report is reused for
  // HEALTH_REUSE_MS, so the cost of the port stays flat however often it is asked.
  const rpcCheck = shared(RPC_CHECK_TTL_MS, async () => {
    // One getVersion through the gateway, judged as every command judges the endpoint (probe.ts).
    const verdict = await probeRpc(engine.gateway);
    return verdict.ok ? { ok: true, detail: `solana-core ${verdict.version}, ${verdict.ms} ms` } : { ok: false, detail: say('en', rpcVerdictMessage(verdict)) };
  });
  checks.set('rpc', rpcCheck);
  const kv = store.ns('health');
  checks.set('store', async () => {
    // A key of its own per check: two checks at once must not read each other's value back.
    const key = `probe:${randomBytes(6).toString('hex')}`;
    const stamp = String(Date.now());
    await kv.set(key, stamp, 60_000);
    const read = await kv.get(key);
    await kv.delete(key);
    return read === stamp ? { ok: true, detail: store.backend } : { ok: false, detail: 'a value written was not read back' };
  });
  const health = shared(HEALTH_REUSE_MS, async (): Promise<HealthReport> => {
    const names = [...checks.keys()];
    const outcomes = await Promise.all(
      names.map((name) => (checks.get(name) as () => Promise<HealthCheck>)().catch((e: unknown) => ({ ok: false, detail: (e as Error).message }))),
    );
    const results: HealthReport['checks'] = {};
    names.forEach((name, i) => (results[name] = outcomes[i] as HealthCheck));
    return { ok: Object.values(results).every((c) => c.ok), checks: results };
  });

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
