/**
 * PROTOTYPE of a build step proposed for the `tributary` bin: one esbuild bundle of src/cli/main.ts
 * (code-split at its lazy imports) instead of tsc's one file per module. `config show` loads zod,
 * which is ~200 ES modules; resolving and compiling them one by one is most of its start-up.
 * Uses the esbuild binary that tsx already installs; returns null when it is not there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/runtime.js';

/** Native or optional packages stay outside the bundle, loaded from node_modules as now. */
const EXTERNAL = ['sqlite3', 'litesvm', 'discord.js', 'grammy', '@keyv/sqlite', 'pureimage', 'bufferutil', 'utf-8-validate'];

export function bundleCli(outDir = join(REPO_ROOT, 'bench', 'out', 'bundle')): string | null {
  const esbuild = join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild)) return null;
  rmSync(outDir, { recursive: true, force: true });
  const res = spawnSync(
    esbuild,
    [
      join(REPO_ROOT, 'src/cli/main.ts'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--splitting',
      `--outdir=${outDir}`,
      '--log-level=error',
      // Bundled CommonJS dependencies call require(); ESM has none unless it is made.
      "--banner:js=import { createRequire as __tributaryRequire } from 'node:module'; const require = __tributaryRequire(import.meta.url);",
      ...EXTERNAL.map((p) => `--external:${p}`),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`esbuild failed: ${res.stderr}`);
  return join(outDir, 'main.js');
}
