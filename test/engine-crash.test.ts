import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '@solana/web3.js';
import { startLocalnet, type Localnet } from '../src/localnet/index.js';
import { openStore } from '../src/store/index.js';
import { Ledger } from '../src/engine/ledger.js';
import { recipientStates } from '../src/engine/owed.js';
import { onChainBalances } from './helpers/engine.js';
import { seededRandom } from '../src/localnet/random.js';

let net: Localnet;
beforeAll(async () => {
  net = await startLocalnet({ holders: 310, seed: 99, slotMs: 20 });
});
afterAll(async () => net?.close());

interface Worker {
  lines: object[];
  exited: Promise<number | null>;
  kill(): void;
  waitFor(pred: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function worker(dataDir: string, mode: 'start' | 'recover'): Worker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures/distribution-worker.ts'), net.rpcUrl, net.scenario.keypairPath, dataDir, net.scenario.baseMint, net.scenario.rewardMint, mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const w of waiters.filter((w) => w.pred(line))) w.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines,
    exited,
    kill: () => child.kill('SIGKILL'),
    waitFor: (pred) => {
      const found = lines.find(pred);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

describe('crash recovery', () => {
  it('pays each of 300 recipients exactly once although the process is SIGKILLed at 10 random points', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-crash-'));
    const random = seededRandom(2024);
    let kills = 0;
    const unfinishedAtRestart: boolean[] = [];
    let first = worker(dataDir, 'start');
    const { planId } = (await first.waitFor((l) => 'planId' in l)) as { planId: string };
    // Kill points spread over the run: right after the plan is confirmed, then into later phases.
    await new Promise((r) => setTimeout(r, 50 + random() * 200));
    first.kill();
    await first.exited;
    kills++;
    while (kills < 10) {
      const w = worker(dataDir, 'recover');
      const { recovered } = (await w.waitFor((l) => 'recovered' in l)) as { recovered: string[] };
      unfinishedAtRestart.push(recovered.includes(planId));
      const finishedEarly = await Promise.race([w.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 30 + random() * 400))]);
      if (finishedEarly) break;
      w.kill();
      await w.exited;
      kills++;
    }
    const last = worker(dataDir, 'recover');
    const { recovered } = (await last.waitFor((l) => 'recovered' in l)) as { recovered: string[] };
    unfinishedAtRestart.push(recovered.includes(planId));
    expect(await last.exited).toBe(0);

    const store = await openStore({ dataDir, sweepIntervalMs: 0 });
    const ledger = new Ledger(store.ns('ledger'));
    const plan = (await ledger.getPlan(planId))!;
    const txs = await ledger.transactions(planId);
    const view = recipientStates(plan.recipients.length, txs, await ledger.failures(planId));
    await store.close();

    expect(kills).toBeGreaterThanOrEqual(10);
    expect(plan.recipients.length).toBeGreaterThanOrEqual(290);
    expect(view.paidTwice).toEqual([]);
    expect(view.states.every((s) => s.status === 'paid')).toBe(true);
    const balances = await onChainBalances(new Connection(net.rpcUrl, 'confirmed'), plan);
    for (const r of plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
    // Every kill interrupted an unfinished distribution: each restart had it to recover.
    expect(unfinishedAtRestart).toEqual(Array(unfinishedAtRestart.length).fill(true));
    expect(txs.every((t) => t.status === 'confirmed' || t.status === 'expired')).toBe(true);
  }, 240_000);
});
