import './pure-js-bigint.js';
import { resolve } from 'node:path';
import { startLocalnet } from '../localnet/index.js';
import { parseFaults, parseRateLimit } from '../localnet/faults.js';
import type { LocalnetFlags } from './main.js';

/** Runs the chain until SIGINT/SIGTERM; the first stdout line is one JSON object scripts can read. */
export async function runLocalnet(flags: LocalnetFlags): Promise<void> {
  const net = await startLocalnet({
    host: flags.host,
    port: flags.port,
    holders: flags.holders,
    seed: flags.seed,
    slotMs: flags.slotMs,
    keypairDir: resolve(flags.keypairDir),
    rateLimit: flags.rateLimit ? parseRateLimit(flags.rateLimit) : null,
    faults: flags.faults ? parseFaults(flags.faults) : {},
    statusCacheSlots: flags.statusCacheSlots,
    confirmedLagSlots: flags.confirmedLagSlots,
    forkSlots: flags.forkSlots,
    forkRelandSlots: flags.forkRelandSlots,
    transactionHistory: flags.history,
    ...(flags.laggingEndpointSlots !== undefined ? { laggingEndpointSlots: flags.laggingEndpointSlots } : {}),
    ...(flags.bulkHolders !== undefined ? { bulkHolders: flags.bulkHolders } : {}),
    ...(flags.rewardAccounts ? { rewardAccounts: true } : {}),
    ...(flags.maxProgramAccounts !== undefined ? { maxProgramAccounts: flags.maxProgramAccounts } : {}),
    tokenProgramScans: flags.tokenProgramScans,
    das: flags.das,
  });
  const s = net.scenario;
  process.stdout.write(
    `${JSON.stringify({
      rpcUrl: net.rpcUrl,
      wsUrl: net.wsUrl,
      ...(net.laggingRpcUrl ? { laggingRpcUrl: net.laggingRpcUrl, laggingWsUrl: net.laggingWsUrl } : {}),
      baseMint: s.baseMint,
      baseMint2022: s.baseMint2022,
      rewardMint: s.rewardMint,
      rewardMint2022: s.rewardMint2022,
      transferFeeMint: s.transferFeeMint,
      defaultFrozenMint: s.defaultFrozenMint,
      keypairPath: s.keypairPath,
      distributor: s.distributor,
      holders: s.holders.length,
      ...(net.bulk ? { bulkMint: net.bulk.mint, bulkHolders: net.bulk.holders } : {}),
      statsUrl: `${net.rpcUrl}/localnet/stats`,
    })}\n`,
  );
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await net.close();
}
