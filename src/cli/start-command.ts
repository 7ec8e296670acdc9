import { isConfigError, loadConfig } from '../config/index.js';
import { startApp } from '../app/start.js';

export async function runStart(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  const app = await startApp({ config });
  const stop = async (signal: string) => {
    process.stderr.write(`\n${signal}: stopping (transactions in flight are settled first)…\n`);
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.finished;
  await app.stop();
  process.exit(0);
}
