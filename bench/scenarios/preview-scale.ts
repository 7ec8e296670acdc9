/**
 * Large communities: for each size, a chain process with a bulk-seeded token of that
 * many holders (`tributary localnet --bulk-holders N`), then a fresh engine process that takes a
 * snapshot and a preview of it (bench/workers/preview-worker.ts). The reward is the chain's SPL
 * token, so every recipient's associated account is derived and looked up: the heaviest preview.
 */
import { startChainProcess } from '../lib/chain-process.js';
import type { Runtime } from '../lib/runtime.js';
import { runTaskProcess } from '../lib/worker.js';
import type { PreviewScaleResult, PreviewScaleTask } from '../workers/preview-worker.js';

export interface PreviewScaleRow extends PreviewScaleResult {
  size: number;
  chainStartupMs: number;
}

export async function benchPreviewScale(runtime: Runtime, sizes: readonly number[], log: (line: string) => void): Promise<PreviewScaleRow[]> {
  const rows: PreviewScaleRow[] = [];
  for (const size of sizes) {
    log(`preview scale: ${size} holders (chain seeding in bulk, then snapshot and preview in a fresh engine process)`);
    const chain = await startChainProcess(runtime, { holders: 10, bulkHolders: size });
    try {
      if (!chain.bulkMint) throw new Error('the chain printed no bulkMint');
      const task: PreviewScaleTask = {
        rpcUrl: chain.rpcUrl,
        statsUrl: chain.statsUrl,
        keypairPath: chain.keypairPath,
        mint: chain.bulkMint,
        reward: chain.rewardMint,
        amount: '1000000',
      };
      const result = await runTaskProcess<PreviewScaleResult>(runtime, 'bench/workers/preview-worker.ts', task, { timeoutMs: 60 * 60_000 });
      rows.push({ size, chainStartupMs: chain.startupMs, ...result });
      log(
        `  snapshot ${(result.snapshot.ms / 1000).toFixed(1)} s, preview ${(result.preview.ms / 1000).toFixed(1)} s, peak RSS ${result.preview.peakRssMb.toFixed(0)} MB, event loop max ${result.preview.eventLoopMaxMs.toFixed(0)} ms`,
      );
    } finally {
      await chain.close();
    }
  }
  return rows;
}
