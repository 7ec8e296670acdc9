import type { CompletedEvent, EngineEventBus } from '../../src/engine/events.js';
import type { RpcStats } from '../../src/localnet/index.js';

/** The `completed` event of distribution `id`, once it comes. */
export function completionOf(events: EngineEventBus, id: string): Promise<CompletedEvent> {
  return new Promise((resolve) => {
    const on = (e: CompletedEvent) => {
      if (e.distributionId !== id) return;
      events.off('completed', on);
      resolve(e);
    };
    events.on('completed', on);
  });
}

/** Zeroes the chain process's request counters (GET/POST on its stats URL). */
export async function resetStats(statsUrl: string): Promise<void> {
  await fetch(`${statsUrl}/reset`, { method: 'POST' });
}

/** The chain process's request counters since the last reset. */
export async function readStats(statsUrl: string): Promise<RpcStats> {
  return (await (await fetch(statsUrl)).json()) as RpcStats;
}
