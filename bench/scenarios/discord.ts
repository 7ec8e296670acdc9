/**
 * Discord's first callback while a large preview is planned: a chain process with a bulk-seeded
 * token of `holders` holders, then the whole app with its Discord bot in a fresh process
 * (bench/workers/discord-worker.ts) answering a `/distribute preview` of it and a `/help`.
 */
import { withBulkChain } from '../lib/chain-process.js';
import type { Runtime } from '../lib/runtime.js';
import { runTaskProcess } from '../lib/worker.js';
import type { DiscordResult, DiscordTask } from '../workers/discord-worker.js';

export interface DiscordPreviewResult extends DiscordResult {
  size: number;
  chainStartupMs: number;
}

export function benchDiscordPreview(runtime: Runtime, holders: number): Promise<DiscordPreviewResult> {
  return withBulkChain(runtime, holders, async (chain, mint) => {
    const task: DiscordTask = { rpcUrl: chain.rpcUrl, statsUrl: chain.statsUrl, keypairPath: chain.keypairPath, mint, reward: chain.rewardMint, amount: '1000000' };
    const result = await runTaskProcess<DiscordResult>(runtime, 'bench/workers/discord-worker.ts', task, { timeoutMs: 60 * 60_000 });
    return { size: holders, chainStartupMs: chain.startupMs, ...result };
  });
}
