import type { RpcStats } from '../../src/localnet/index.js';

/** Zeroes the chain process's request counters (GET/POST on its stats URL). */
export async function resetStats(statsUrl: string): Promise<void> {
  await fetch(`${statsUrl}/reset`, { method: 'POST' });
}

/** The chain process's request counters since the last reset. */
export async function readStats(statsUrl: string): Promise<RpcStats> {
  return (await (await fetch(statsUrl)).json()) as RpcStats;
}
