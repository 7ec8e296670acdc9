import type { RpcStats } from '../../src/localnet/index.js';
import { PUBLIC_MAINNET_LIMIT } from '../../src/solana/sliding-window.js';
import { startChainProcess, withBulkChain, type ChainProcess } from '../lib/chain-process.js';
import { startFlags, type Runtime } from '../lib/runtime.js';
import { median } from '../lib/stats.js';
import { runTaskProcess, runWorker } from '../lib/worker.js';
import type { ConsoleResult, ConsoleTask } from '../workers/console-worker.js';
import type { DistributeResult, DistributeTask, IdleResult, SnapshotResult } from '../workers/tasks.js';

/** Every engine benchmark pays the same kind of distribution: the chain's reward token to every holder (new token accounts). */
function distributeTask(chain: ChainProcess, extra: Partial<DistributeTask> = {}): DistributeTask {
  return {
    kind: 'distribute',
    rpcUrl: chain.rpcUrl,
    statsUrl: chain.statsUrl,
    keypairPath: chain.keypairPath,
    token: chain.baseMint,
    reward: chain.rewardMint,
    amount: '1000000',
    includeOffCurve: true,
    gapMs: 0,
    verify: false,
    ...extra,
  };
}

export interface LargeRunResult {
  chainStartupMs: number;
  snapshot: SnapshotResult;
  distribution: DistributeResult;
}

/** One chain of `holders`: fresh snapshots first (they change nothing), then one distribution to all of them. */
export async function benchLarge(runtime: Runtime, holders: number, snapshotRuns: number): Promise<LargeRunResult> {
  const chain = await startChainProcess(runtime, { holders });
  try {
    const snapshot = await runWorker<SnapshotResult>(runtime, {
      kind: 'snapshot',
      rpcUrl: chain.rpcUrl,
      statsUrl: chain.statsUrl,
      keypairPath: chain.keypairPath,
      mint: chain.baseMint,
      runs: snapshotRuns,
    });
    const distribution = await runWorker<DistributeResult>(runtime, distributeTask(chain));
    return { chainStartupMs: chain.startupMs, snapshot, distribution };
  } finally {
    await chain.close();
  }
}

/** One distribution to `holders` with other node flags for the engine process than `npm start`'s (e.g. none). */
export async function benchLargeWithFlags(runtime: Runtime, holders: number, execArgv: string[]): Promise<DistributeResult> {
  const chain = await startChainProcess(runtime, { holders });
  try {
    return await runWorker<DistributeResult>(runtime, distributeTask(chain), { execArgv });
  } finally {
    await chain.close();
  }
}

export interface BulkDistributionResult {
  size: number;
  chainStartupMs: number;
  distribution: DistributeResult;
}

/**
 * One distribution to every holder of a token seeded in bulk (`tributary localnet --bulk-holders`):
 * the large-community run, preview and payment in one engine process.
 */
export function benchBulkDistribution(runtime: Runtime, holders: number): Promise<BulkDistributionResult> {
  return withBulkChain(runtime, holders, async (chain, bulkMint) => {
    const distribution = await runWorker<DistributeResult>(runtime, distributeTask(chain, { token: bulkMint }), { timeoutMs: 60 * 60_000 });
    return { size: holders, chainStartupMs: chain.startupMs, distribution };
  });
}

export interface SmallRunResult {
  distribution: DistributeResult;
  idle: IdleResult;
}

/** One chain of `holders`: a distribution checked on chain afterwards, then an idle engine against the same chain. */
export async function benchSmall(runtime: Runtime, holders: number, idleSettleMs: number): Promise<SmallRunResult> {
  const chain = await startChainProcess(runtime, { holders });
  try {
    const distribution = await runWorker<DistributeResult>(runtime, distributeTask(chain, { verify: true }));
    const idle = await runWorker<IdleResult>(runtime, { kind: 'idle', rpcUrl: chain.rpcUrl, statsUrl: chain.statsUrl, keypairPath: chain.keypairPath, settleMs: idleSettleMs });
    return { distribution, idle };
  } finally {
    await chain.close();
  }
}

export interface ThrottledResult {
  distribution: DistributeResult;
  seconds: number;
  floorSeconds: number;
  /** 429 answers the chain gave during the run. */
  rateLimited: number;
  admitted: number;
  busiestMethod: { method: string; requests: number };
  binding: 'total' | 'per-method';
}

/**
 * The chain enforces the public mainnet-beta limit (100 requests / 10 s, 40 / 10 s per method) and
 * the engine paces to the same preset. Between preview and confirm the runner waits one window, so
 * the run starts on a full budget and its figures are its own.
 */
export async function benchThrottled(runtime: Runtime, holders: number, waitWindow: boolean): Promise<ThrottledResult> {
  const rule = PUBLIC_MAINNET_LIMIT;
  const chain = await startChainProcess(runtime, { holders, rateLimit: 'public-mainnet' });
  try {
    const distribution = await runWorker<DistributeResult>(
      runtime,
      distributeTask(chain, { preset: 'public-mainnet', gapMs: waitWindow ? rule.windowMs + 1_000 : 0, verify: true }),
    );
    const stats = distribution.runStats;
    const admitted = stats.requests - stats.rateLimited;
    const busiest = busiestMethod(stats);
    const totalBound = (admitted / rule.requestsPerWindow) * (rule.windowMs / 1000);
    const methodBound = (busiest.requests / (rule.perMethodPerWindow ?? Infinity)) * (rule.windowMs / 1000);
    return {
      distribution,
      seconds: distribution.runMs / 1000,
      floorSeconds: Math.max(totalBound, methodBound),
      rateLimited: stats.rateLimited,
      admitted,
      busiestMethod: busiest,
      binding: methodBound > totalBound ? 'per-method' : 'total',
    };
  } finally {
    await chain.close();
  }
}

function busiestMethod(stats: RpcStats): { method: string; requests: number } {
  let best = { method: 'none', requests: 0 };
  for (const [method, requests] of Object.entries(stats.requestsByMethod)) if (requests > best.requests) best = { method, requests };
  return best;
}

export interface ConsoleLoadResult extends ConsoleResult {
  chainRateLimited: number;
}

/**
 * Ways to start the app for the idle figure: as `npm start` runs it (its node flags, read from
 * package.json), which is `idle_rss_mb`, and as a plain `node` for comparison.
 */
export function idleVariants(withPlainNode: boolean): [string, string[]][] {
  const flags = startFlags();
  return [[`as npm start runs it (node ${flags.join(' ')})`, flags], ...(withPlainNode ? [['plain node (no flags)', []] as [string, string[]]] : [])];
}

export interface IdleVariantResult {
  variant: string;
  /** Median over the repetitions. */
  idleRssMb: number;
  samplesMb: number[];
  idleHeapUsedMb: number;
  /** Private (anonymous) resident memory and file-backed resident pages (node binary, libraries), from /proc; NaN elsewhere. */
  idleRssAnonMb: number;
  idleRssFileMb: number;
  startMs: number;
  helpMedianMs: number;
}

/**
 * The whole app idle against a plain chain, `reps` fresh processes per variant, medians. The first
 * variant is the figure; the plain-node one shows what `npm start`'s flags save.
 */
export async function benchIdleVariants(
  runtime: Runtime,
  holders: number,
  opts: { settleMs: number; replies: number; reps: number; withPlainNode: boolean },
): Promise<IdleVariantResult[]> {
  const chain = await startChainProcess(runtime, { holders });
  const rows: IdleVariantResult[] = [];
  try {
    for (const [variant, execArgv] of idleVariants(opts.withPlainNode)) {
      const task: ConsoleTask = {
        rpcUrl: chain.rpcUrl,
        statsUrl: chain.statsUrl,
        keypairPath: chain.keypairPath,
        token: chain.baseMint,
        reward: chain.rewardMint,
        preset: 'localnet',
        settleMs: opts.settleMs,
        replies: opts.replies,
        queryGapMs: 0,
        gapMs: 0,
        idleOnly: true,
      };
      const runs: ConsoleResult[] = [];
      for (let i = 0; i < opts.reps; i++) runs.push(await runTaskProcess<ConsoleResult>(runtime, 'bench/workers/console-worker.ts', task, { execArgv }));
      rows.push({
        variant,
        idleRssMb: median(runs.map((r) => r.idleRssMb)),
        samplesMb: runs.map((r) => r.idleRssMb),
        idleHeapUsedMb: median(runs.map((r) => r.idleHeapUsedMb)),
        idleRssAnonMb: median(runs.map((r) => r.idleRssAnonMb)),
        idleRssFileMb: median(runs.map((r) => r.idleRssFileMb)),
        startMs: median(runs.map((r) => r.startMs)),
        helpMedianMs: median(runs.flatMap((r) => r.helpMs)),
      });
    }
  } finally {
    await chain.close();
  }
  return rows;
}

/** The whole app with its console chat, on a chain that enforces the public mainnet-beta limit. */
export async function benchConsole(runtime: Runtime, holders: number, opts: { replies: number; settleMs: number; waitWindow: boolean }): Promise<ConsoleLoadResult> {
  const chain = await startChainProcess(runtime, { holders, rateLimit: 'public-mainnet' });
  try {
    const task: ConsoleTask = {
      rpcUrl: chain.rpcUrl,
      statsUrl: chain.statsUrl,
      keypairPath: chain.keypairPath,
      token: chain.baseMint,
      reward: chain.rewardMint,
      preset: 'public-mainnet',
      settleMs: opts.settleMs,
      replies: opts.replies,
      queryGapMs: 100,
      gapMs: opts.waitWindow ? PUBLIC_MAINNET_LIMIT.windowMs + 1_000 : 0,
    };
    const result = await runTaskProcess<ConsoleResult>(runtime, 'bench/workers/console-worker.ts', task);
    return { ...result, chainRateLimited: (await chain.stats()).rateLimited };
  } finally {
    await chain.close();
  }
}
