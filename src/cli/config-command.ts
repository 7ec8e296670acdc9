import { isConfigError, loadConfig, maskSecrets } from '../config/index.js';

export function showConfig(): void {
  try {
    process.stdout.write(`${JSON.stringify(maskSecrets(loadConfig()), null, 2)}\n`);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}

/** 0 when the configuration loads, 1 with one line per bad key otherwise. */
export function validateConfig(file?: string): number {
  try {
    loadConfig(file !== undefined ? { file } : {});
    process.stdout.write('config: ok\n');
    return 0;
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
}
