/**
 * The build's last step (package.json "build", after tsc): writes, beside the compiled main.js, the
 * files the installed `tributary` command uses so that its two quickest answers need no zod, no
 * commander or no Node at all:
 *
 * - `tributary`: src/cli/launcher.sh, the bin itself (mode 0755);
 * - `help.txt`: what `main.js --help` prints (commander's text at its default 80 columns), which
 *   the launcher prints for a bare `--help`;
 * - `config-defaults.json`: what `config show` prints when nothing overrides a default, from the
 *   zod schema (still the one source of defaults), which the launcher prints without starting Node
 *   and config-command.ts without loading zod.
 *
 * Usage: `node dist/src/cli/build-bin.js src/cli/launcher.sh` (the launcher's source, from the
 * package root; the files go to this module's own folder, so any build output folder works).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE_ENV, ENV_BINDINGS } from '../config/env.js';
import { defaultConfig, maskSecrets } from '../config/index.js';
import { PREBUILT_DEFAULTS_FILE, renderConfig } from './config-command.js';

export const BIN_NAME = 'tributary';

/** What `config show` prints with nothing overridden: the schema's defaults, masked as always. */
export function configShowDefaults(): string {
  return renderConfig(maskSecrets(defaultConfig()));
}

/** The launcher with the names of every variable that overrides a default (env.ts) in place of its marker. */
export function launcherScript(source: string): string {
  const marker = "config_env='@CONFIG_ENV@'";
  if (!source.includes(marker)) throw new Error(`the launcher source has no ${marker} line`);
  const names = [CONFIG_FILE_ENV, ...ENV_BINDINGS.map((b) => b.name)];
  return source.replace(marker, `config_env='${names.join(' ')}'`);
}

/** What `node <main> --help` prints; `mainArgs` runs main (e.g. ["dist/src/cli/main.js"]). */
export function helpText(mainArgs: readonly string[]): string {
  const res = spawnSync(process.execPath, [...mainArgs, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.status !== 0 || res.stdout === '') throw new Error(`${mainArgs.join(' ')} --help exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

/**
 * Writes the three files into `dir` (default: this module's folder, i.e. beside the compiled
 * main.js); `mainArgs` runs the program whose help is taken (default: `dir`/main.js).
 */
export function writeBinFiles(launcherSource: string, dir = dirname(fileURLToPath(import.meta.url)), mainArgs: readonly string[] = [join(dir, 'main.js')]): void {
  const help = helpText(mainArgs);
  const bin = join(dir, BIN_NAME);
  writeFileSync(bin, launcherScript(readFileSync(launcherSource, 'utf8')));
  chmodSync(bin, 0o755);
  // Written after main.js and config-command.js: each is trusted only while it is not older than them.
  writeFileSync(join(dir, 'help.txt'), help);
  writeFileSync(join(dir, PREBUILT_DEFAULTS_FILE), configShowDefaults());
}

// Run as a script (through any symlink), not when imported (tests).
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const launcher = process.argv[2];
  if (launcher === undefined) throw new Error('usage: node build-bin.js <path of src/cli/launcher.sh>');
  writeBinFiles(launcher);
}
