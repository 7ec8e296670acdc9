import './pure-js-bigint.js';
import { isConfigError, loadConfig } from '../config/index.js';
import { startApp, terminalLocale } from '../app/start.js';
import { msg, say } from '../i18n/index.js';
import { checkKeypairFile } from '../solana/keypair.js';
import { createFilesPrivately, protectDataDir } from './private-files.js';

export async function runStart(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  // Before anything is written: the store, the log and exports are created 0600 (private-files.ts).
  createFilesPrivately();
  const dataDirWarning = protectDataDir(config.dataDir);
  // The embedded chain's own keypair is written 0600 by the local chain; a configured one is checked
  // here, before anything starts, so a refusal leaves nothing half-started.
  let keypairWarning: string | null = null;
  if (config.keypairPath !== null) {
    try {
      keypairWarning = checkKeypairFile(config.keypairPath, { network: config.network, allowInsecure: config.allowInsecureKeypairFile });
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    }
  }
  // Signals are taken before the app starts: a deploy's SIGTERM or a Ctrl-C while it resumes
  // distributions must stop it the same careful way as later, once it has started.
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  let stopSignal: string | null = null;
  const stop = async (signal: string) => {
    if (stopSignal !== null) return;
    stopSignal = signal;
    process.stderr.write(`\n${say(terminalLocale(config), msg('banner.stopping', { signal }))}\n`);
    // Still starting: it stops as soon as it has started (below).
    if (!app) return;
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  app = await startApp({ config });
  if (stopSignal !== null) {
    await app.stop();
    process.exit(0);
  }
  // A rejection nobody handled is a bug, and it must not end a process that is paying people (a
  // full disk once did, through a store write nobody awaited): it is logged, and the process goes on.
  process.on('unhandledRejection', (reason) => {
    app.context.logger.error({ err: reason }, 'a promise rejection nobody handled (a bug); the process goes on');
  });
  // The console banner shows the keypair warning too (banner.ts); the log keeps both for the bots.
  if (keypairWarning !== null) app.context.logger.warn({ keypairPath: config.keypairPath }, keypairWarning);
  if (dataDirWarning !== null) app.context.logger.warn({ dataDir: config.dataDir }, dataDirWarning);
  await app.finished;
  await app.stop();
  process.exit(0);
}
