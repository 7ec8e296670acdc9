/**
 * One process that measures a large community's snapshot and preview the way the app runs them
 *: a fresh snapshot through the gateway, then `service.preview` (its own fresh snapshot,
 * filters, allocation, account-existence checks, pricing, simulation, the plan written to the
 * ledger). For each phase: wall time, peak RSS (sampled every 20 ms), and the event loop's delay
 * (perf_hooks.monitorEventLoopDelay, 10 ms resolution, plus a 5 ms ticker's worst lateness: how long
 * a timer due during the work, such as Discord's defer, waited).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { takeSnapshot } from '../../src/engine/snapshot.js';
import type { RpcStats } from '../../src/localnet/index.js';
import { startAppEngine } from './app-engine.js';
import { maxRssBytes, RssSampler } from './memory.js';

const MB = 1024 * 1024;
const operator = { platform: 'bench', userId: 'bench', name: 'bench' };

export interface PreviewScaleTask {
  rpcUrl: string;
  statsUrl: string;
  keypairPath: string;
  mint: string;
  reward: string;
  amount: string;
}

export interface PhaseFigures {
  ms: number;
  peakRssMb: number;
  /** RSS when the phase started. */
  startRssMb: number;
  eventLoopMaxMs: number;
  eventLoopP99Ms: number;
  /** Worst lateness of a 5 ms timer during the phase. */
  timerLateMaxMs: number;
  requests: number;
  requestsByMethod: Record<string, number>;
}

export interface PreviewScaleResult {
  holders: number;
  recipients: number;
  newAccounts: number;
  transactions: number;
  snapshot: PhaseFigures;
  preview: PhaseFigures;
  /** The preview's own snapshot (engine 'snapshot' event). */
  previewSnapshotMs: number;
  /**
   * The ledger's createPlan inside the preview (the plan's chunks, then its header), timed by
   * wrapping the method.
   */
  createPlanMs: number;
  /** RSS and V8 heap in use when the plan reached createPlan: what snapshot, allocation and the plan's objects hold. */
  beforeCreatePlan: { rssMb: number; heapUsedMb: number };
  accountChecks: { accounts: number; requests: number; method?: string };
  heapUsedAfterMb: number;
  maxRssMb: number;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[process.argv.length - 1] as string) as PreviewScaleTask;
  const app = await startAppEngine({ rpcUrl: task.rpcUrl, keypairPath: task.keypairPath });
  const sampler = new RssSampler();
  const connection = app.engine.gateway.connection('interactive');

  let holders = 0;
  const snapshot = await phase(task, sampler, async () => {
    holders = (await takeSnapshot(connection, task.mint)).holders.length;
  });

  let createPlanMs = 0;
  const ledger = app.engine.ledger as unknown as { createPlan: (...args: unknown[]) => Promise<unknown> };
  const createPlan = ledger.createPlan.bind(ledger);
  let beforeCreatePlan = { rssMb: 0, heapUsedMb: 0 };
  ledger.createPlan = async (...args: unknown[]) => {
    const mem = process.memoryUsage();
    beforeCreatePlan = { rssMb: mem.rss / MB, heapUsedMb: mem.heapUsed / MB };
    const t = performance.now();
    try {
      return await createPlan(...args);
    } finally {
      createPlanMs = performance.now() - t;
    }
  };
  let previewSnapshotMs = 0;
  const onSnapshot = (e: { durationMs: number }) => (previewSnapshotMs = e.durationMs);
  app.engine.events.on('snapshot', onSnapshot);
  let result: Awaited<ReturnType<typeof app.engine.service.preview>> | undefined;
  const preview = await phase(task, sampler, async () => {
    result = await app.engine.service.preview({ token: task.mint, amount: task.amount, reward: task.reward, includeOffCurve: true, refreshSnapshot: true }, operator);
  });
  const p = result as NonNullable<typeof result>;
  const out: PreviewScaleResult = {
    holders,
    recipients: p.plan.recipients.length,
    newAccounts: p.newAccounts,
    transactions: p.transactions,
    snapshot,
    preview,
    previewSnapshotMs,
    createPlanMs,
    beforeCreatePlan,
    accountChecks: p.accountChecks,
    heapUsedAfterMb: process.memoryUsage().heapUsed / MB,
    maxRssMb: maxRssBytes() / MB,
  };
  result = undefined;
  await app.close();
  await new Promise<void>((resolve, reject) => (process.send ? process.send(out, (e: Error | null) => (e ? reject(e) : resolve())) : resolve()));
}

async function phase(task: PreviewScaleTask, sampler: RssSampler, work: () => Promise<void>): Promise<PhaseFigures> {
  await fetch(`${task.statsUrl}/reset`, { method: 'POST' });
  sampler.reset();
  const startRss = process.memoryUsage.rss();
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let lateMax = 0;
  let expected = performance.now() + 5;
  const ticker = setInterval(() => {
    const now = performance.now();
    lateMax = Math.max(lateMax, now - expected);
    expected = now + 5;
  }, 5);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  clearInterval(ticker);
  histogram.disable();
  const stats = (await (await fetch(task.statsUrl)).json()) as RpcStats;
  return {
    ms,
    peakRssMb: sampler.peakBytes() / MB,
    startRssMb: startRss / MB,
    eventLoopMaxMs: histogram.max / 1e6,
    eventLoopP99Ms: histogram.percentile(99) / 1e6,
    timerLateMaxMs: lateMax,
    requests: stats.requests,
    requestsByMethod: stats.requestsByMethod,
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
