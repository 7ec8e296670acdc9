import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMonitoring } from '../src/app/monitoring.js';
import { defaultConfig } from '../src/config/index.js';
import { openStore } from '../src/store/index.js';
import { operator, startHarness, type EngineHarness } from './helpers/engine.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Prometheus text: `name{labels} value` lines, summed by one label. */
function sumBy(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const m = new RegExp(`${label}="([^"]*)"`).exec(line);
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (m?.[1] !== undefined) out[m[1]] = (out[m[1]] ?? 0) + value;
  }
  return out;
}

async function monitored(h: EngineHarness) {
  const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-mon-')), sweepIntervalMs: 0 });
  const config = { ...defaultConfig(), http: { host: '127.0.0.1', port: 0 } };
  const handle = await startMonitoring({ config, store, engine: h.engine, logger: pino({ level: 'silent' }), http: true });
  cleanups.push(async () => {
    await handle.monitor.stop();
    await store.close();
  });
  return handle;
}

describe('/metrics and /healthz of a running engine', () => {
  it('counts the same RPC requests by method as the local chain received', async () => {
    const h = await startHarness({ holders: 50, seed: 31 });
    cleanups.push(() => h.close());
    const { monitor } = await monitored(h);
    h.net.server.resetStats();
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '100', reward: h.net.scenario.rewardMint }, operator);
    await h.engine.service.confirm(preview.plan.id, operator);
    await h.engine.service.whenIdle();

    const res = await fetch(`${monitor.http!.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // Every sample line is `name{labels} number` or `name number`: Prometheus text format.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+Inf-]+$|NaN$/);
    }
    const byMethod = sumBy(text, 'tributary_rpc_requests_total', 'method');
    expect(byMethod).toEqual(h.net.server.stats().requestsByMethod);
    expect(byMethod.sendTransaction).toBeGreaterThan(0);
    expect(sumBy(text, 'tributary_transactions_total', 'outcome').confirmed).toBe(byMethod.sendTransaction);
  });

  it('answers /healthz 200 when RPC and store are fine, and 503 naming RPC when the chain is gone', async () => {
    const h = await startHarness({ holders: 5, seed: 32 }, { gateway: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, timeoutMs: 500 } });
    cleanups.push(() => h.engine.close());
    const { monitor } = await monitored(h);
    const ok = await fetch(`${monitor.http!.url}/healthz`);
    expect(ok.status).toBe(200);
    await h.net.close();
    // The RPC verdict is reused for a few seconds (a probe storm is no RPC storm): the 503 follows.
    const down = await vi.waitFor(
      async () => {
        const res = await fetch(`${monitor.http!.url}/healthz`);
        expect(res.status).toBe(503);
        return res;
      },
      { timeout: 15_000, interval: 250 },
    );
    const body = (await down.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks.rpc?.ok).toBe(false);
    expect(body.checks.store?.ok).toBe(true);
  });
});
