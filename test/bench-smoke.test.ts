import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../bench/run.js';
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
