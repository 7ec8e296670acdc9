import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { renderOpsIn } from '../chat/ops-text.js';
import { localeOf, say, terminalLanguage, type Locale } from '../i18n/index.js';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Config } from '../config/index.js';
import type { Localnet } from '../localnet/index.js';
import { createLogger } from '../log/logger.js';
import { openLogFile } from '../log/log-file.js';
import { assertWritableDataDir } from './data-dir.js';
import { openStore, SQLITE_FILE, type Store } from '../store/index.js';
import type { AppContext } from './context.js';
import { createEngine, engineOptionsFromConfig } from './engine.js';
import { explorerLink } from './rpc-options.js';
import { formatBanner } from './banner.js';
import { startMonitoring } from './monitoring.js';
import { claimRunnerRole, runnerElsewhere } from './runner-role.js';
import { ledgerOf } from '../engine/ledger.js';
import { channelPosts } from '../chat/channel-posts.js';
import { scheduleNotifier } from '../chat/schedule-posts.js';
import { consoleChannelPoster } from '../platforms/console/channel-poster.js';
import { ScheduleBook } from '../schedule/book.js';
import { Scheduler } from '../schedule/scheduler.js';

export interface StartOptions {
  config: Config;
  input?: Readable;
  output?: Writable;
}

export interface RunningApp {
  context: AppContext;
  /** Resolves when the console's input ends and its work is done; never for the bots. */
  finished: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The main job. With no RPC URL it starts the embedded local chain with a seeded demo community;
 * with no platform token it runs the console chat; with DISCORD_TOKEN / TELEGRAM_TOKEN, those bots.
 */
export async function startApp(opts: StartOptions): Promise<RunningApp> {
  const { config } = opts;
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const bots = Boolean(config.discord.token || config.telegram.token);
  const embedded = config.rpc.url === null;
  const dataDir = resolve(config.dataDir);
  assertWritableDataDir(dataDir);
  // The embedded chain is new at every start, so its ledger must be too: a ledger of a chain that
  // is gone would have the engine settle signatures nobody can find.
  const storeDir = embedded ? await freeEmbeddedDir(dataDir) : dataDir;
  if (embedded) rmSync(storeDir, { recursive: true, force: true });
  mkdirSync(storeDir, { recursive: true });

  // The console chat owns the terminal: logs go to a file there, to stdout for the bots.
  const logFile = join(dataDir, 'tributary.log');
  const logger = bots
    ? createLogger({ level: config.log.level, pretty: Boolean((output as { isTTY?: boolean }).isTTY) })
    : createLogger({
        level: config.log.level,
        // Opened before use, and a write that fails (a full disk) is said on the console, not fatal.
        destination: await openLogFile(logFile, { onWriteError: (message) => output.write(`\n⚠ ${say(terminalLocale(config), message)}\n`) }),
      });

  const stoppers: (() => Promise<void>)[] = [];
  let localnet: Localnet | undefined;
  let store: Store | undefined;
  try {
    let rpcUrl = config.rpc.url;
    let keypairPath = config.keypairPath;
    if (embedded) {
      // Loaded only here: litesvm and its dependencies are a good part of an idle process's memory.
      const { startLocalnet } = await import('../localnet/index.js');
      localnet = await startLocalnet({
        holders: config.localnet.holders,
        seed: config.localnet.seed,
        slotMs: config.localnet.slotMs,
        keypairDir: join(storeDir, 'localnet'),
      });
      stoppers.push(() => (localnet as Localnet).close());
      rpcUrl = localnet.rpcUrl;
      keypairPath = keypairPath ?? localnet.scenario.keypairPath;
    }
    if (!keypairPath) throw new Error('no distributor keypair: set TRIBUTARY_KEYPAIR to a keypair file (solana-keygen format)');
    const url = rpcUrl as string;

    store = await openStore({ dataDir: storeDir, redisUrl: config.store.redisUrl });
    const openedStore = store;
    stoppers.unshift(() => openedStore.close());

    const engine = createEngine(
      engineOptionsFromConfig(config, {
        rpcUrl: url,
        keypairPath,
        store,
        logger,
        ...(embedded ? { assumedSlotMs: config.localnet.slotMs } : {}),
      }),
    );
    const stopEngine = () => engine.close();
    stoppers.unshift(stopEngine);

    let monitoring;
    try {
      monitoring = await startMonitoring({ config, store: openedStore, engine, logger, http: true });
    } catch (e) {
      // A second instance on the same port must still be usable as a console.
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || bots) throw e;
      logger.warn({ port: config.http.port }, 'metrics port in use; /metrics and /healthz are off');
      monitoring = await startMonitoring({ config, store: openedStore, engine, logger, http: false });
    }
    const monitoringHandle = monitoring;
    stoppers.unshift(() => monitoringHandle.monitor.stop());

    const context: AppContext = {
      config,
      logger,
      engine,
      store: openedStore,
      monitoring,
      ...(localnet ? { localnet } : {}),
      explorerUrl: (signature) => explorerLink(config.network, url, signature),
    };

    // One process runs the store's distributions; any other only reads until the runner stops.
    const role = await claimRunnerRole({ leases: engine.leases, service: engine.service, logger });
    stoppers.splice(stoppers.indexOf(stopEngine) + 1, 0, () => role.stop());

    // Schedules: kept in the store; their occurrences fire only while this process is the runner.
    const scheduleBook = ScheduleBook.of(openedStore);
    const scheduleLogger = logger.child({ component: 'schedule' });
    const scheduler = new Scheduler({
      book: scheduleBook,
      service: engine.service,
      notify: scheduleNotifier(context, scheduleLogger),
      logger: scheduleLogger,
      checkIntervalMs: config.schedules.checkIntervalMs,
      holder: engine.leases.holder,
      lookupTables: engine.lookupTables,
    });
    context.schedules = { book: scheduleBook, scheduler };
    stoppers.unshift(() => scheduler.stop());
    const recovered = role.recoveredAtStart;
    if (recovered.length) logger.info({ recovered }, 'resumed unfinished distributions');

    // Each adapter is loaded only when used: discord.js and grammY weigh on a console-only process.
    let finished: Promise<void>;
    if (bots) {
      if (config.discord.token) {
        const { startDiscord } = await import('../platforms/discord/start-discord.js');
        const discord = await startDiscord(context);
        monitoring.addNotifier('discord', discord.notifier);
        stoppers.unshift(() => discord.stop());
      }
      if (config.telegram.token) {
        const { startTelegram } = await import('../platforms/telegram/start-telegram.js');
        const telegram = await startTelegram(context);
        monitoring.addNotifier('telegram', telegram.notifier);
        stoppers.unshift(() => telegram.stop());
      }
      logger.info({ rpc: embedded ? 'embedded local chain' : 'configured', network: config.network }, 'tributary running');
      finished = new Promise<void>(() => undefined);
    } else {
      const identity = { platform: 'console' as const, userId: userInfo().username, name: userInfo().username };
      // The terminal has one reader: alerts and reports there are in the console's language.
      const consoleLocale = terminalLocale(config);
      monitoring.addNotifier('console', {
        async post(target, message) {
          const { text, files } = await renderOpsIn(message, consoleLocale);
          const paths = files.map((f) => {
            const path = join(dataDir, 'exports', f.name);
            mkdirSync(join(dataDir, 'exports'), { recursive: true });
            writeFileSync(path, f.bytes);
            return path;
          });
          output.write(`\n[${target}] ${text}${paths.length ? `\n${paths.join('\n')}` : ''}\n`);
        },
      });
      channelPosts(context).add(
        'console',
        consoleChannelPoster(context, (text) => output.write(text), consoleLocale),
      );
      output.write(
        formatBanner({
          context,
          identity,
          logFile,
          embedded,
          recovered,
          readOnly: engine.service.readOnly,
          metricsUrl: monitoring.monitor.http?.url ?? null,
          locale: consoleLocale,
        }),
      );
      const { runConsole } = await import('../platforms/console/run-console.js');
      finished = runConsole(context, { input, output, identity });
    }
    // After the adapters: an occurrence missed while the bot was down runs now, and has somewhere to post.
    await scheduler.start();

    let stopped: Promise<void> | null = null;
    return {
      context,
      finished,
      stop() {
        stopped ??= (async () => {
          for (const stop of stoppers) {
            try {
              await stop();
            } catch (e) {
              logger.warn({ err: e }, 'error while stopping');
            }
          }
          logger.flush?.();
        })();
        return stopped;
      },
    };
  } catch (e) {
    for (const stop of stoppers) await stop().catch(() => undefined);
    throw e;
  }
}

/**
 * The embedded chain is new at every start, and so must its ledger be; but a second `npm start`
 * beside a running one must not delete the store that one is using. The first of
 * `embedded`, `embedded-2`, ... that no live process runs is the one to use.
 */
async function freeEmbeddedDir(dataDir: string): Promise<string> {
  for (let n = 1; ; n++) {
    const dir = join(dataDir, n === 1 ? 'embedded' : `embedded-${n}`);
    if (!existsSync(join(dir, SQLITE_FILE))) return dir;
    const store = await openStore({ dataDir: dir, sweepIntervalMs: 0 });
    try {
      if (!(await runnerElsewhere(ledgerOf(store)))) return dir;
    } finally {
      await store.close();
    }
  }
}

/** The terminal's language, else the configured one (docs/i18n.md). */
export function terminalLocale(config: Config): Locale {
  return localeOf(terminalLanguage()) ?? config.language;
}
