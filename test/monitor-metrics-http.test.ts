import { afterEach, describe, expect, it } from 'vitest';
import { metricsSettings } from './helpers/monitor.js';
import { EngineEventBus } from '../src/engine/events.js';
import { RpcEventBus, type RpcCallEvent } from '../src/solana/rpc-events.js';
import { startMonitorHttp, type MonitorHttp, type HealthReport } from '../src/monitor/http.js';
import { createMetrics, type Metrics } from '../src/monitor/metrics.js';

/** Parses Prometheus text exposition into `name{labels}` -> value, failing on any line that is not valid. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  // Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes "Nan").
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|[+-][Ii]nf)( -?\d+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

function call(over: Partial<RpcCallEvent> = {}): RpcCallEvent {
  return {
    method: 'getSlot',
    endpoint: 'primary',
    lane: 'read',
    queuedMs: 5,
    durationMs: 40,
    ok: true,
    rateLimited: 0,
    attempts: 1,
    at: Date.now(),
    ...over,
  };
}

describe('metrics and the monitor HTTP server', () => {
  let http: MonitorHttp | undefined;
  let metrics: Metrics | undefined;
  afterEach(async () => {
    await http?.close();
    metrics?.stop();
    http = undefined;
    metrics = undefined;
  });

  it('serves /metrics as Prometheus text with counters fed from the RPC bus', async () => {
    metrics = createMetrics(metricsSettings);
    const rpc = new RpcEventBus();
    metrics.bindRpc(rpc);
    rpc.emit('call', call());
    rpc.emit('call', call());
    rpc.emit('call', call({ ok: false, httpStatus: 429, rateLimited: 2, attempts: 3, durationMs: 1500 }));
    rpc.emit('call', call({ method: 'sendTransaction', endpoint: 'fallback', lane: 'send' }));
    rpc.emit('failover', { from: 'primary', to: 'fallback', reason: 'test', at: Date.now() });
    const engine = new EngineEventBus();
    metrics.bindEngine(engine);
    engine.emit('transaction', { distributionId: 'd1', signature: 's', recipients: 8, outcome: 'confirmed', at: Date.now() });
    metrics.observeCommand('distribute', 'discord', 250);
    metrics.recordCache('holders', true);
    metrics.recordCache('holders', false);
    metrics.setQueueDepth('send', 7);

    http = await startMonitorHttp({ port: 0, registry: metrics.registry, health: async () => ({ ok: true, checks: {} }) });
    // Let the event-loop delay monitor (20 ms resolution) take a few samples.
    await new Promise((r) => setTimeout(r, 80));
    const res = await fetch(`${http.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.headers.get('content-type')).toContain('version=0.0.4');
    const samples = parseExposition(await res.text());

    expect(samples.get('tributary_rpc_requests_total{method="getSlot",endpoint="primary"}')).toBe(3);
    expect(samples.get('tributary_rpc_requests_total{method="sendTransaction",endpoint="fallback"}')).toBe(1);
    expect(samples.get('tributary_rpc_errors_total{method="getSlot",endpoint="primary"}')).toBe(1);
    expect(samples.get('tributary_rpc_429_total{method="getSlot",endpoint="primary"}')).toBe(2);
    expect(samples.get('tributary_rpc_latency_seconds_count{method="getSlot",endpoint="primary"}')).toBe(3);
    expect(samples.get('tributary_rpc_latency_seconds_bucket{le="1",method="getSlot",endpoint="primary"}')).toBe(2);
    expect(samples.get('tributary_rpc_failovers_total{from="primary",to="fallback"}')).toBe(1);
    expect(samples.get('tributary_recipients_paid_total')).toBe(8);
    expect(samples.get('tributary_transactions_total{outcome="confirmed"}')).toBe(1);
    expect(samples.get('tributary_command_latency_seconds_count{command="distribute",platform="discord"}')).toBe(1);
    expect(samples.get('tributary_cache_lookups_total{cache="holders",result="miss"}')).toBe(1);
    expect(samples.get('tributary_rpc_queue_depth{lane="send"}')).toBe(7);
    // Default process metrics land in the same registry.
    expect([...samples.keys()].some((k) => k.startsWith('tributary_process_resident_memory_bytes'))).toBe(true);
    expect([...samples.keys()].some((k) => k.startsWith('tributary_event_loop_lag_seconds'))).toBe(true);
  });

  it('keeps per-distribution success-rate gauges only while a distribution runs', async () => {
    metrics = createMetrics({ ...metricsSettings, collectDefault: false });
    const engine = new EngineEventBus();
    metrics.bindEngine(engine);
    const progress = {
      distributionId: 'd9',
      reward: 'SOL',
      decimals: 9,
      recipients: 100,
      inFlight: 0,
      paid: 45,
      failed: 5,
      paidAmount: '45',
      plannedAmount: '100',
      transactionsSent: 7,
      transactionsConfirmed: 6,
      transactionsFailed: 1,
      recipientsPerSecond: 10,
      etaSeconds: 5,
      state: 'running' as const,
      at: Date.now(),
    };
    engine.emit('progress', progress);
    let samples = parseExposition(await metrics.registry.metrics());
    expect(samples.get('tributary_distribution_success_rate{distribution_id="d9"}')).toBeCloseTo(0.9);
    engine.emit('completed', { ...progress, state: 'completed', paid: 95, failed: 5, successRate: 0.95, durationMs: 10_000, symbol: 'SOL', report: null });
    samples = parseExposition(await metrics.registry.metrics());
    expect(samples.has('tributary_distribution_success_rate{distribution_id="d9"}')).toBe(false);
    expect(samples.get('tributary_distribution_last_success_rate')).toBeCloseTo(0.95);
    expect(samples.get('tributary_recipients_failed_total')).toBe(5);
  });

  it('answers /healthz 200 when every check passes and 503 when one fails', async () => {
    metrics = createMetrics({ ...metricsSettings, collectDefault: false });
    let report: HealthReport = { ok: true, checks: { store: { ok: true }, rpc: { ok: true } } };
    http = await startMonitorHttp({ port: 0, registry: metrics.registry, health: async () => report });

    let res = await fetch(`${http.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(report);

    report = { ok: true, checks: { store: { ok: true }, rpc: { ok: false, detail: 'primary endpoint unreachable' } } };
    res = await fetch(`${http.url}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as HealthReport;
    expect(body.ok).toBe(false);
    expect(body.checks.rpc).toEqual({ ok: false, detail: 'primary endpoint unreachable' });

    // A health function that throws is a failure too, not a crash.
    await http.close();
    http = await startMonitorHttp({ port: 0, registry: metrics.registry, health: () => Promise.reject(new Error('store closed')) });
    res = await fetch(`${http.url}/healthz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as HealthReport).checks.health?.detail).toBe('store closed');

    expect((await fetch(`${http.url}/nope`)).status).toBe(404);
  });
});
