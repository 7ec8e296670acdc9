/**
 * A process of Tributary for the schedule and guard tests: an engine on a local chain (over real
 * JSON-RPC), a SQLite store of its own or shared with another "process", the spending guards from
 * the config, a Scheduler on an injectable clock, and the console's command runtime. What the
 * schedules post in chat is kept in `posts` (the console adapter's place).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import pino from 'pino';
import type { AppContext } from '../../src/app/context.js';
import { createEngine, type Engine } from '../../src/app/engine.js';
import { defaultEngineOptions } from './defaults.js';
import { channelPosts } from '../../src/chat/channel-posts.js';
import { chatRuntime, type DispatchResult } from '../../src/chat/runtime.js';
import { scheduleNotifier } from '../../src/chat/schedule-posts.js';
import type { CommandReply, Role } from '../../src/chat/types.js';
import { deepMerge, loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import { SpendGuards } from '../../src/engine/guards.js';
import { ledgerOf } from '../../src/engine/ledger.js';
import { processHolder } from '../../src/engine/lease.js';
import { startLocalnet, type Localnet } from '../../src/localnet/index.js';
import { ScheduleBook } from '../../src/schedule/book.js';
import { autoApprovalOf, Scheduler } from '../../src/schedule/scheduler.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface Clock {
  now: number;
}

export interface ScheduleApp {
  app: AppContext;
  engine: Engine;
  net: Localnet;
  store: Store;
  scheduler: Scheduler;
  book: ScheduleBook;
  clock: Clock;
  /** What schedules posted, in order. */
  posts: CommandReply[];
  /** sendTransaction calls the chain received (from every process on it). */
  sent(): number;
  /** Types a command as `userId` (an operator unless `role` says otherwise), on the console or in another chat of it. */
  type(text: string, userId?: string, role?: Role, chatId?: string): Promise<DispatchResult>;
  close(): Promise<void>;
}

export interface ScheduleAppOptions {
  config?: DeepPartial<Config>;
  /** A chain another "process" already uses; default a new one of 8 holders. */
  net?: Localnet;
  /** A data directory another "process" already uses; default a new one. */
  dataDir?: string;
  /** Start of the scheduler's clock. Default now. */
  now?: number;
}

export async function startScheduleApp(opts: ScheduleAppOptions = {}): Promise<ScheduleApp> {
  const ownNet = opts.net === undefined;
  const net = opts.net ?? (await startLocalnet({ holders: 8, seed: 7, slotMs: 50 }));
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-schedule-'));
  const config = loadConfig({
    env: {},
    overrides: deepMerge({ dataDir, distribution: { previewTtlMs: 60_000, progressEditIntervalMs: 150 }, log: { level: 'silent' } }, opts.config ?? {}) as DeepPartial<Config>,
  });
  const store = await openStore({ dataDir, sweepIntervalMs: 0 });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const book = ScheduleBook.of(store);
  const guard = new SpendGuards({ ledger: ledgerOf(store), config: config.guards, autoApproval: autoApprovalOf(book) });
  const engine = createEngine(
    defaultEngineOptions(
      { rpcUrl: net.rpcUrl, keypairPath: net.scenario.keypairPath, store, logger },
      {
        gateway: { timeoutMs: 2_000, retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 300 } },
        cacheStore: new Keyv(),
        guard,
        executor: { pollIntervalMs: 50, rebroadcastIntervalMs: 300, assumedSlotMs: 50, progressIntervalMs: 100 },
      },
      config,
    ),
  );
  const clock: Clock = { now: opts.now ?? Date.now() };
  const app: AppContext = {
    config,
    logger,
    engine,
    store,
    localnet: net,
    explorerUrl: (signature) => `https://explorer.solana.com/tx/${signature}?cluster=custom`,
  };
  const scheduler = new Scheduler({
    book,
    service: engine.service,
    notify: scheduleNotifier(app, logger),
    logger,
    now: () => clock.now,
    checkIntervalMs: 15_000,
    holder: processHolder(),
    lookupTables: engine.lookupTables,
  });
  app.schedules = { book, scheduler };
  const posts: CommandReply[] = [];
  channelPosts(app).add('console', {
    async post(_chatId, reply) {
      posts.push(reply);
    },
  });
  const runtime = await chatRuntime(app);
  return {
    app,
    engine,
    net,
    store,
    scheduler,
    book,
    clock,
    posts,
    sent: () => net.server.stats().requestsByMethod['sendTransaction'] ?? 0,
    type: async (text, userId = 'ops-a', role = 'operator', chatId = 'console') => {
      const result = await runtime.runText(text, { actor: { platform: 'console', userId, name: userId }, chat: { platform: 'console', id: chatId }, role: async () => role });
      if (!result) throw new Error(`not a command: ${text}`);
      return result;
    },
    async close() {
      await scheduler.stop();
      await engine.close();
      await store.close();
      if (ownNet) await net.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
