import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../bench/run.js';
import { retryOnAddressInUse, startChainProcess } from '../bench/lib/chain-process.js';
import { RESULT_KEYS } from '../bench/lib/targets.js';

// The benchmark's quick mode end to end: every figure of docs/targets.md comes out as a number. No timing
// is asserted here (the machine is shared and noisy); `npm run bench` is where figures are read.
describe('bench --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'tributary-bench-smoke-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('writes results.json with every key of the issue as a finite number, and RESULTS.md', async () => {
    await runBench({ quick: true, outDir, runtime: 'tsx', prototypes: false, log: () => undefined });
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(results).sort()).toEqual([...RESULT_KEYS].sort());
    for (const key of RESULT_KEYS) {
      expect(typeof results[key], key).toBe('number');
      expect(Number.isFinite(results[key]), key).toBe(true);
    }
    const md = readFileSync(join(outDir, 'RESULTS.md'), 'utf8');
    for (const key of RESULT_KEYS) expect(md).toContain(`| ${key} |`);
    // The request figures are the chain's counter, by method: they add up to the total it reports.
    const details = JSON.parse(readFileSync(join(outDir, 'details.json'), 'utf8')) as {
      small: { distribution: { recipients: number; runStats: { requests: number; httpRequests: number; requestsByMethod: Record<string, number> } } };
    };
    const run = details.small.distribution.runStats;
    expect(Object.values(run.requestsByMethod).reduce((a, b) => a + b, 0)).toBe(run.requests);
    expect(run.requests).toBeGreaterThanOrEqual(run.httpRequests);
    expect(results['rpc_requests_per_recipient']).toBeCloseTo(run.requests / details.small.distribution.recipients, 4);
  }, 180_000);
});

describe('bench request counting', () => {
  it('counts every element of a JSON-RPC batch as a request, as providers do (the engine polls statuses in batches)', async () => {
    const chain = await startChainProcess('tsx', { holders: 2 });
    try {
      await chain.resetStats();
      const batch = [
        { jsonrpc: '2.0', id: 1, method: 'getEpochInfo', params: [{ commitment: 'finalized' }] },
        { jsonrpc: '2.0', id: 2, method: 'getSignatureStatuses', params: [[], { searchTransactionHistory: true }] },
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'getTransaction',
          params: ['1111111111111111111111111111111111111111111111111111111111111111', { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }],
        },
      ];
      const res = await fetch(chain.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      expect(((await res.json()) as unknown[]).length).toBe(3);
      const stats = await chain.stats();
      expect(stats.httpRequests).toBe(1);
      expect(stats.requests).toBe(3);
      expect(stats.requestsByMethod).toEqual({ getEpochInfo: 1, getSignatureStatuses: 1, getTransaction: 1 });
    } finally {
      await chain.close();
    }
  }, 60_000);
});

describe('bench chain process', () => {
  const taken = () => new Error('tributary localnet exited (1) before it was ready:\nError: listen EADDRINUSE: address already in use 127.0.0.1:38454');

  it('starts again when a port it picked was taken before it listened, and for nothing else', async () => {
    let calls = 0;
    await expect(retryOnAddressInUse(async () => (++calls < 3 ? Promise.reject(taken()) : 'listening'))).resolves.toBe('listening');
    expect(calls).toBe(3);

    calls = 0;
    await expect(retryOnAddressInUse(async () => Promise.reject(new Error(`bad --holders (call ${++calls})`)))).rejects.toThrow('bad --holders (call 1)');

    calls = 0;
    await expect(retryOnAddressInUse(async () => (++calls, Promise.reject(taken())), 4)).rejects.toThrow(/EADDRINUSE/);
    expect(calls).toBe(4);
  });
});
