import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Localnet } from '../localnet/index.js';
import type { ScheduleBook } from '../schedule/book.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { Engine } from './engine.js';
import type { MonitoringHandle } from './monitoring.js';

/**
 * Everything a running Tributary has, built once at start (src/app/start.ts) and handed to the
 * platform adapters and the command layer. Commands reach the engine only through `engine.service`.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  engine: Engine;
  /** Keyv namespaces of the one store (src/store/open.ts); `ns('wallets')`, `ns('audit')`, ... */
  store: { ns(name: string): import('keyv').default };
  /** The embedded chain, when `npm start` runs on its default (no SOLANA_RPC_URL). */
  localnet?: Localnet;
  /** Metrics, alerts and reports; adapters register their ops notifier and connection check here. */
  monitoring?: MonitoringHandle;
  /** Recurring distributions (src/schedule/): where they are kept, and the scheduler that runs their occurrences. */
  schedules?: { book: ScheduleBook; scheduler: Scheduler };
  /** Explorer link for a signature on this network, or null where no explorer can show it. */
  explorerUrl(signature: string): string | null;
}
