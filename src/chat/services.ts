/**
 * What the chat layer (commands, the runtime, the platform adapters) may use of a running
 * Tributary: the engine's services and events, never its RPC gateway, ledger or leases; chain reads
 * go through the engine's `reads` (src/engine/chain-reads.ts). src/app/context.ts builds the whole
 * process; this is the part of it handed to chat, and test/import-graph.test.ts keeps chat from
 * reaching past it.
 */
import type Keyv from 'keyv';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { ChainReads } from '../engine/chain-reads.js';
import type { EngineEventBus } from '../engine/events.js';
import type { DistributionService, SpendGuard } from '../engine/service.js';
import type { MonitoringHandle } from '../monitor/handle.js';
import type { ScheduleBook } from '../schedule/book.js';
import type { Scheduler } from '../schedule/scheduler.js';

/** What chat may ask of the distribution service: its commands and questions, not recovery, roles or shutdown. */
export type ChatDistributionService = Pick<
  DistributionService,
  'preview' | 'confirm' | 'pause' | 'resume' | 'cancel' | 'retryFailed' | 'status' | 'summary' | 'history' | 'exportCsv' | 'rewardsFor' | 'activeIds' | 'whenIdle'
>;

export interface EngineServices {
  /** Previews, confirms, runs and their status. */
  service: ChatDistributionService;
  /** Holders, the distributor's balances, the endpoint's health. */
  reads: ChainReads;
  /** The spending limits checked at every confirm (src/engine/guards.ts), or null. */
  guard: SpendGuard | null;
  events: EngineEventBus;
  /** The distributor's address. */
  payer: string;
}

export interface ChatServices {
  config: Config;
  logger: Logger;
  engine: EngineServices;
  /** Keyv namespaces of the one store (src/store/open.ts); `ns('wallets')`, `ns('audit')`, ... */
  store: { ns(name: string): Keyv };
  /** Metrics, alerts and reports; adapters register their ops notifier and connection check here. */
  monitoring?: MonitoringHandle;
  /** Recurring distributions (src/schedule/): where they are kept, and the scheduler that runs their occurrences. */
  schedules?: { book: ScheduleBook; scheduler: Scheduler };
  /** Explorer link for a signature on this network, or null where no explorer can show it. */
  explorerUrl(signature: string): string | null;
}
