import { readFileSync, statSync } from 'node:fs';
import { firstOverride } from '../config/env.js';

/**
 * What `config show` prints when nothing overrides a default, written by the build beside the
 * compiled CLI (build-bin.ts) from the schema itself. Printing it spares the process zod (about 40
 * of config show's milliseconds, bench/RESULTS.md); with any override the configuration is loaded
 * and validated as always.
 */
export const PREBUILT_DEFAULTS_FILE = 'config-defaults.json';
const PREBUILT_DEFAULTS = new URL(`./${PREBUILT_DEFAULTS_FILE}`, import.meta.url);

export interface ShowConfigOptions {
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The prebuilt defaults. Default: config-defaults.json beside this module. */
  prebuilt?: URL | string;
}

export async function showConfig(opts: ShowConfigOptions = {}): Promise<void> {
  const env = opts.env ?? process.env;
  const prebuilt = firstOverride(env) === null ? readPrebuiltDefaults(opts.prebuilt ?? PREBUILT_DEFAULTS) : null;
  if (prebuilt !== null) {
    process.stdout.write(prebuilt);
    return;
  }
  const { isConfigError, loadConfig, maskSecrets } = await import('../config/index.js');
  try {
    process.stdout.write(renderConfig(maskSecrets(loadConfig({ env }))));
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}

/** The text `config show` prints for a (masked) configuration. */
export function renderConfig(config: unknown): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * The prebuilt text, or null when there is none (running from source) or it is older than this
 * module (compiled again without the build's last step), so a stale copy is never shown.
 */
function readPrebuiltDefaults(file: URL | string): string | null {
  try {
    if (statSync(file).mtimeMs < statSync(new URL(import.meta.url)).mtimeMs) return null;
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** 0 when the configuration loads, 1 with one line per bad key otherwise. */
export async function validateConfig(file?: string): Promise<number> {
  const { isConfigError, loadConfig } = await import('../config/index.js');
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
