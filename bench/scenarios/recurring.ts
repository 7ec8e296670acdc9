import { PUBLIC_MAINNET_LIMIT } from '../../src/solana/sliding-window.js';
import { startChainProcess } from '../lib/chain-process.js';
import type { Runtime } from '../lib/runtime.js';
import { runTaskProcess } from '../lib/worker.js';
import type { RecurringResult, RecurringTask } from '../workers/recurring-worker.js';

export interface RecurringBenchResult {
  holders: number;
  /** Each run waited for a fresh rate window before its confirm. */
  waitWindow: boolean;
  /** One occurrence without lookup tables: every holder's reward account exists already. */
  legacy: RecurringResult;
  /** Two occurrences with them: the first makes the tables (and pays), the second is the repeat. */
  lookup: RecurringResult;
}

/**
 * A repeat distribution to `holders` existing token accounts (the chain seeds them,
 * --reward-accounts), on a chain that enforces the public mainnet-beta limit with the engine pacing
 * to the same preset: once on the legacy path, then with a schedule's lookup tables (a first
 * occurrence makes them, the second is measured). Each run starts on a fresh rate window.
 */
export async function benchRecurring(runtime: Runtime, holders: number, waitWindow: boolean): Promise<RecurringBenchResult> {
  const chain = await startChainProcess(runtime, { holders, rateLimit: 'public-mainnet', rewardAccounts: true });
  try {
    const task = (tables: boolean): RecurringTask => ({
      rpcUrl: chain.rpcUrl,
      statsUrl: chain.statsUrl,
      keypairPath: chain.keypairPath,
      preset: 'public-mainnet',
      token: chain.baseMint,
      reward: chain.rewardMint,
      amount: '1000000',
      tables,
      occurrences: tables ? 2 : 1,
      gapMs: waitWindow ? PUBLIC_MAINNET_LIMIT.windowMs + 1_000 : 0,
      verify: true,
    });
    const timeoutMs = 60 * 60_000;
    const legacy = await runTaskProcess<RecurringResult>(runtime, 'bench/workers/recurring-worker.ts', task(false), { timeoutMs });
    const lookup = await runTaskProcess<RecurringResult>(runtime, 'bench/workers/recurring-worker.ts', task(true), { timeoutMs });
    return { holders, waitWindow, legacy, lookup };
  } finally {
    await chain.close();
  }
}
