import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { successRate, type CompletedEvent, type EngineEventBus, type ProgressEvent, type SnapshotEvent, type TransactionEvent } from '../engine/events.js';
import type { RpcCallEvent, RpcEventBus } from '../solana/rpc-events.js';

/**
 * The Prometheus side of monitoring: one Registry per process holding every series, fed by the engine and
 * RPC event buses and by a few setters the app calls. Durations are exported in seconds (the Prometheus
 * convention) even though the events carry ms.
 */

/** The config's `monitor.metrics`: its schema is the one place of their defaults. */
export interface MetricsOptions {
  /** Name prefix. */
  prefix: string;
  /** Also collect prom-client's default process and Node.js metrics into the same registry. */
  collectDefault: boolean;
  /** Event-loop delay monitor resolution, ms. */
  eventLoopResolutionMs: number;
}

type L<T extends string> = Counter<T>;

export interface Metrics {
  registry: Registry;
  rpcRequests: L<'method' | 'endpoint'>;
  rpcErrors: L<'method' | 'endpoint'>;
  rpcRateLimited: L<'method' | 'endpoint'>;
  rpcLatency: Histogram<'method' | 'endpoint'>;
  rpcFailovers: L<'from' | 'to'>;
  queueDepth: Gauge<'lane'>;
  queueWait: Histogram<'lane'>;
  transactions: L<'outcome'>;
  recipientsPaid: Counter;
  recipientsFailed: Counter;
  distributionsCompleted: Counter;
  distributionSuccessRate: Gauge<'distribution_id'>;
  lastDistributionSuccessRate: Gauge;
  distributionDuration: Histogram;
  snapshotDuration: Histogram<'from_cache'>;
  snapshotHolders: Gauge;
  commandLatency: Histogram<'command' | 'platform'>;
  cacheLookups: L<'cache' | 'result'>;
  distributorSol: Gauge<'kind'>;
  eventLoopLag: Gauge<'quantile'>;

  /** Bottleneck queue depth of a lane (jobs queued + running), for the RPC gateway to feed. */
  setQueueDepth(lane: string, depth: number): void;
  /** Time a job waited in a lane's queue, ms (calls from the RPC bus are recorded already). */
  observeQueueWait(lane: string, ms: number): void;
  /** Chat command latency, received to first reply, ms. */
  observeCommand(command: string, platform: string, ms: number): void;
  recordCache(cache: string, hit: boolean): void;
  /**
   * Distributor SOL (lamports) against what the next planned distribution needs. A gauge is a float: fine
   * for a dashboard up to 9e15 lamports; the money decision itself is made on bigint elsewhere.
   */
  setDistributorSol(availableLamports: bigint, requiredLamports: bigint): void;
  bindEngine(bus: EngineEventBus): () => void;
  bindRpc(bus: RpcEventBus): () => void;
  /** Stops the event-loop delay monitor. */
  stop(): void;
}

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const DURATION_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const TERMINAL: ReadonlySet<string> = new Set(['completed', 'cancelled', 'expired']);

export function createMetrics(options: MetricsOptions): Metrics {
  const { prefix } = options;
  const registry = new Registry();
  const registers = [registry];
  if (options.collectDefault) collectDefaultMetrics({ register: registry, prefix });

  const counter = <T extends string>(name: string, help: string, labelNames: readonly T[] = []) => new Counter<T>({ name: prefix + name, help, labelNames, registers });
  const gauge = <T extends string>(name: string, help: string, labelNames: readonly T[] = []) => new Gauge<T>({ name: prefix + name, help, labelNames, registers });
  const histogram = <T extends string>(name: string, help: string, buckets: number[], labelNames: readonly T[] = []) =>
    new Histogram<T>({ name: prefix + name, help, labelNames, buckets, registers });

  const loop = monitorEventLoopDelay({ resolution: options.eventLoopResolutionMs });
  loop.enable();

  const m: Omit<Metrics, 'setQueueDepth' | 'observeQueueWait' | 'observeCommand' | 'recordCache' | 'setDistributorSol' | 'bindEngine' | 'bindRpc' | 'stop'> = {
    registry,
    rpcRequests: counter('rpc_requests_total', 'JSON-RPC calls, after retries and failover', ['method', 'endpoint']),
    rpcErrors: counter('rpc_errors_total', 'JSON-RPC calls that ended in an error', ['method', 'endpoint']),
    rpcRateLimited: counter('rpc_429_total', 'HTTP 429 answers, every attempt counted', ['method', 'endpoint']),
    rpcLatency: histogram('rpc_latency_seconds', 'JSON-RPC call duration, first attempt to final answer', LATENCY_BUCKETS_S, ['method', 'endpoint']),
    rpcFailovers: counter('rpc_failovers_total', 'Circuit breaker moved traffic to another endpoint', ['from', 'to']),
    queueDepth: gauge('rpc_queue_depth', 'Jobs queued or running in a Bottleneck lane', ['lane']),
    queueWait: histogram('rpc_queue_wait_seconds', 'Time a call waited in a Bottleneck lane', LATENCY_BUCKETS_S, ['lane']),
    transactions: counter('transactions_total', 'Distribution transactions by outcome', ['outcome']),
    recipientsPaid: counter('recipients_paid_total', 'Recipients paid in confirmed transactions'),
    recipientsFailed: counter('recipients_failed_total', 'Recipients finally failed, counted when their distribution completes'),
    distributionsCompleted: counter('distributions_completed_total', 'Distributions completed'),
    distributionSuccessRate: gauge('distribution_success_rate', 'paid / (paid + failed) of a running distribution', ['distribution_id']),
    lastDistributionSuccessRate: gauge('distribution_last_success_rate', 'Success rate of the last completed distribution'),
    distributionDuration: histogram('distribution_duration_seconds', 'Run time of completed distributions', DURATION_BUCKETS_S),
    snapshotDuration: histogram(
      'snapshot_duration_seconds',
      'Holder snapshot duration',
      DURATION_BUCKETS_S.slice(0, 7)
        .concat([0.1, 0.5])
        .sort((a, b) => a - b),
      ['from_cache'],
    ),
    snapshotHolders: gauge('snapshot_holders', 'Holders in the last snapshot'),
    commandLatency: histogram('command_latency_seconds', 'Chat command received to first reply', [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10], ['command', 'platform']),
    cacheLookups: counter('cache_lookups_total', 'Cache lookups by cache and result', ['cache', 'result']),
    distributorSol: gauge('distributor_sol_lamports', 'Distributor SOL available and needed by the next planned distribution', ['kind']),
    eventLoopLag: new Gauge<'quantile'>({
      name: `${prefix}event_loop_lag_seconds`,
      help: 'Event-loop delay since the previous scrape',
      labelNames: ['quantile'],
      registers,
      // Read at scrape time, then reset, so each scrape shows the delay of its own interval.
      collect() {
        if (loop.count === 0) return;
        this.set({ quantile: '0.5' }, loop.percentile(50) / 1e9);
        this.set({ quantile: '0.99' }, loop.percentile(99) / 1e9);
        this.set({ quantile: '1' }, loop.max / 1e9);
        loop.reset();
      },
    }),
  };

  // Per-distribution gauges are removed when a distribution ends, so the label set stays bounded.
  const forgetDistribution = (id: string) => m.distributionSuccessRate.remove({ distribution_id: id });

  return {
    ...m,
    setQueueDepth(lane, depth) {
      m.queueDepth.set({ lane }, depth);
    },
    observeQueueWait(lane, ms) {
      m.queueWait.observe({ lane }, ms / 1000);
    },
    observeCommand(command, platform, ms) {
      m.commandLatency.observe({ command, platform }, ms / 1000);
    },
    recordCache(cache, hit) {
      m.cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
    },
    setDistributorSol(available, required) {
      m.distributorSol.set({ kind: 'available' }, Number(available));
      m.distributorSol.set({ kind: 'required' }, Number(required));
    },
    bindEngine(bus) {
      const onTransaction = (ev: TransactionEvent) => {
        m.transactions.inc({ outcome: ev.outcome });
        // Counted from confirmed transactions rather than progress deltas: exact, and needs no cursor.
        if (ev.outcome === 'confirmed') m.recipientsPaid.inc(ev.recipients);
      };
      const onProgress = (ev: ProgressEvent) => {
        if (TERMINAL.has(ev.state)) return forgetDistribution(ev.distributionId);
        const rate = successRate(ev.paid, ev.failed);
        if (rate !== null) m.distributionSuccessRate.set({ distribution_id: ev.distributionId }, rate);
      };
      const onCompleted = (ev: CompletedEvent) => {
        forgetDistribution(ev.distributionId);
        m.distributionsCompleted.inc();
        m.recipientsFailed.inc(ev.failed);
        m.lastDistributionSuccessRate.set(ev.successRate);
        m.distributionDuration.observe(ev.durationMs / 1000);
      };
      const onSnapshot = (ev: SnapshotEvent) => {
        m.snapshotDuration.observe({ from_cache: String(ev.fromCache) }, ev.durationMs / 1000);
        m.snapshotHolders.set(ev.holders);
      };
      bus.on('transaction', onTransaction);
      bus.on('progress', onProgress);
      bus.on('completed', onCompleted);
      bus.on('snapshot', onSnapshot);
      return () => {
        bus.off('transaction', onTransaction);
        bus.off('progress', onProgress);
        bus.off('completed', onCompleted);
        bus.off('snapshot', onSnapshot);
      };
    },
    bindRpc(bus) {
      const onCall = (ev: RpcCallEvent) => {
        const labels = { method: ev.method, endpoint: ev.endpoint };
        m.rpcRequests.inc(labels);
        if (!ev.ok) m.rpcErrors.inc(labels);
        if (ev.rateLimited > 0) m.rpcRateLimited.inc(labels, ev.rateLimited);
        m.rpcLatency.observe(labels, ev.durationMs / 1000);
        m.queueWait.observe({ lane: ev.lane }, ev.queuedMs / 1000);
      };
      const onFailover = (ev: { from: string; to: string }) => m.rpcFailovers.inc({ from: ev.from, to: ev.to });
      bus.on('call', onCall);
      bus.on('failover', onFailover);
      return () => {
        bus.off('call', onCall);
        bus.off('failover', onFailover);
      };
    },
    stop() {
      loop.disable();
    },
  };
}
