import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../bench/run.js';
import { retryOnAddressInUse } from '../bench/lib/chain-process.js';
import { RESULT_KEYS } from '../bench/lib/targets.js';

// The benchmark's quick mode end to end: every figure of issue 6 comes out as a number. No timing
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
  }, 180_000);
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
