/**
 * A process that runs the engine the way the app does, for one benchmark task, and reports the
 * result over IPC. Running it apart from the bench runner and the chain makes its memory and CPU
 * figures its own.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Connection } from '@solana/web3.js';
import { takeSnapshot } from '../../src/engine/snapshot.js';
import { startAppEngine } from './app-engine.js';
import { maxRssBytes, RssSampler } from './memory.js';
import { wrongBalances } from './verify.js';
import type { DistributeResult, DistributeTask, IdleResult, IdleTask, SnapshotResult, SnapshotTask, WorkerResult, WorkerTask } from './tasks.js';
import { completionOf, readStats, resetStats } from '../lib/chain-stats.js';

const MB = 1024 * 1024;
const operator = { platform: 'bench', userId: 'bench', name: 'bench' };

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[process.argv.length - 1] as string) as WorkerTask;
  let result: WorkerResult;
  if (task.kind === 'idle') result = await idle(task);
  else if (task.kind === 'snapshot') result = await snapshot(task);
  else result = await distribute(task);
  await new Promise<void>((resolve, reject) => (process.send ? process.send(result, (e: Error | null) => (e ? reject(e) : resolve())) : resolve()));
}

async function idle(task: IdleTask): Promise<IdleResult> {
  const started = performance.now();
  const app = await startAppEngine(task);
  const startMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, task.settleMs));
  const mem = process.memoryUsage();
  await app.close();
  return { kind: 'idle', rssMb: mem.rss / MB, heapUsedMb: mem.heapUsed / MB, externalMb: mem.external / MB, startMs };
}

async function snapshot(task: SnapshotTask): Promise<SnapshotResult> {
  const app = await startAppEngine(task);
  const connection = app.engine.gateway.connection('interactive');
  const runsMs: number[] = [];
  let holders = 0;
  await resetStats(task.statsUrl);
  for (let i = 0; i < task.runs; i++) {
    const t0 = performance.now();
    const snap = await takeSnapshot(connection, task.mint);
    runsMs.push(performance.now() - t0);
    holders = snap.holders.length;
  }
  const stats = await readStats(task.statsUrl);
  await app.close();
  return { kind: 'snapshot', holders, runsMs, requestsPerSnapshot: stats.requests / task.runs };
}

async function distribute(task: DistributeTask): Promise<DistributeResult> {
  const sampler = new RssSampler();
  const app = await startAppEngine(task);
  const { service, events, gateway } = app.engine;

  await resetStats(task.statsUrl);
  sampler.reset();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const p0 = performance.now();
  const preview = await service.preview({ token: task.token, amount: task.amount, reward: task.reward, includeOffCurve: task.includeOffCurve, refreshSnapshot: true }, operator);
  const previewMs = performance.now() - p0;
  loop.disable();
  const previewLoop = { maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6 };
  loop.reset();
  const previewStats = await readStats(task.statsUrl);
  const peakRssPreviewMb = sampler.peakBytes() / MB;
  const { plan } = preview;
  if (task.gapMs > 0) await new Promise((r) => setTimeout(r, task.gapMs));

  await resetStats(task.statsUrl);
  const rateLimitedBefore = gateway.stats().rateLimited;
  sampler.reset();
  const signedAt: number[] = [];
  const onTx = (e: { distributionId: string; outcome: string }) => {
    if (e.distributionId === plan.id && e.outcome === 'sent') signedAt.push(performance.now());
  };
  events.on('transaction', onTx);
  const completed = completionOf(events, plan.id);
  loop.enable();
  const r0 = performance.now();
  await service.confirm(plan.id, operator);
  const done = await completed;
  const runMs = performance.now() - r0;
  loop.disable();
  events.off('transaction', onTx);
  const peakRssRunMb = sampler.peakBytes() / MB;
  const runStats = await readStats(task.statsUrl);
  const gatewayRateLimited = gateway.stats().rateLimited - rateLimitedBefore;

  let verified: DistributeResult['verified'] = null;
  if (task.verify) {
    const wrong = await wrongBalances(new Connection(task.rpcUrl, { commitment: 'confirmed' }), plan);
    verified = { checked: plan.recipients.length, wrong };
  }
  sampler.stop();
  await app.close();
  const span = signedAt.length > 1 ? ((signedAt[signedAt.length - 1] as number) - (signedAt[0] as number)) / 1000 : 0;
  return {
    kind: 'distribute',
    recipients: plan.recipients.length,
    newAccounts: preview.newAccounts,
    previewMs,
    runMs,
    paid: done.paid,
    failed: done.failed,
    transactions: done.transactionsSent,
    txSignedPerS: span > 0 ? (signedAt.length - 1) / span : 0,
    previewStats,
    runStats,
    gatewayRateLimited,
    peakRssPreviewMb,
    peakRssRunMb,
    maxRssMb: maxRssBytes() / MB,
    eventLoop: { previewMaxMs: previewLoop.maxMs, previewP99Ms: previewLoop.p99Ms, runMaxMs: loop.max / 1e6, runP99Ms: loop.percentile(99) / 1e6 },
    verified,
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`engine-worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
