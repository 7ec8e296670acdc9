/**
 * /healthz under concurrent probes: 300 probes, 50 at a time, against a real
 * engine on the local chain and a SQLite store, all answer 200 (the store check no longer reads
 * another probe's value back) and cost the RPC endpoint one getVersion, not one call each.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startMonitoring } from '../src/app/monitoring.js';
import { defaultConfig } from '../src/config/index.js';
import { openStore } from '../src/store/index.js';
import { listKeys } from '../src/store/iterate.js';
import { startHarness } from './helpers/engine.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('/healthz probed by many at once', () => {
  it('answers 300 probes, 50 at a time, all 200, with one RPC call between them', async () => {
    const h = await startHarness({ holders: 5, seed: 33 });
    cleanups.push(() => h.close());
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-healthz-')), sweepIntervalMs: 0 });
    const handle = await startMonitoring({
      config: { ...defaultConfig(), http: { host: '127.0.0.1', port: 0 } },
      store,
      engine: h.engine,
      logger: pino({ level: 'silent' }),
      http: true,
    });
    cleanups.push(async () => {
      await handle.monitor.stop();
      await store.close();
    });
    const url = `${handle.monitor.http?.url}/healthz`;
    h.net.server.resetStats();

    const statuses: number[] = [];
    const started = Date.now();
    for (let wave = 0; wave < 6; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await fetch(url);
          const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
          return { status: res.status, body };
        }),
      );
      for (const a of answers) {
        statuses.push(a.status);
        expect(a.body.checks['store'], JSON.stringify(a.body)).toEqual({ ok: true, detail: 'sqlite' });
        expect(a.body.checks['rpc']?.detail).toMatch(/^solana-core \S+, \d+ ms$/);
      }
    }
    expect(statuses).toHaveLength(300);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const byMethod = h.net.server.stats().requestsByMethod;
    const rpcCalls = Object.values(byMethod).reduce((a, b) => a + b, 0);
    // The RPC verdict is reused for 5 s: one getVersion per 5 s of probing, whatever the number of probes.
    expect(rpcCalls).toBeGreaterThanOrEqual(1);
    expect(rpcCalls).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - started) / 5_000));
    expect(byMethod['getSlot'] ?? 0).toBe(0);
    // The store holds no probe keys afterwards.
    expect(await listKeys(store.ns('health'))).toEqual([]);
  });
});
