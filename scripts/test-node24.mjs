#!/usr/bin/env node
/**
 * `npm run test:node24 [-- vitest args]`: runs the suite (or the given test files) on Node 24, the
 * current LTS the Docker image runs, whatever node runs npm. The Node 24 binary comes from the npm
 * registry's `node-<platform>-<arch>` package (the official build, repackaged), installed once into
 * node_modules/.cache/node24 (never committed) with npm itself. The native modules are Node-API
 * (sqlite3, litesvm), so the node_modules built for the current node load on 24 as they are.
 *
 * Not part of `npm test`: it downloads about 30 MB on first use. NODE24_VERSION picks another
 * release line or version (default "24").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.env.NODE24_VERSION ?? '24';
const pkg = `node-${process.platform}-${process.arch}`;
const cacheDir = join(root, 'node_modules', '.cache', `node${wanted}`);
const nodeBin = join(cacheDir, 'node_modules', pkg, 'bin', 'node');

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(cacheDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

const have = installedVersion();
if (!existsSync(nodeBin) || have === null || !(have === wanted || have.startsWith(`${wanted}.`))) {
  mkdirSync(cacheDir, { recursive: true });
  process.stderr.write(`test:node24: installing ${pkg}@${wanted} into ${cacheDir}\n`);
  // --prefix with no package.json there: npm installs into that folder and writes nothing else.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['install', '--prefix', cacheDir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${pkg}@${wanted}`], {
    stdio: 'inherit',
    cwd: cacheDir,
  });
  if (install.status !== 0 || !existsSync(nodeBin)) {
    process.stderr.write(`test:node24: could not install ${pkg}@${wanted} (the registry may not ship a build for ${process.platform}-${process.arch})\n`);
    process.exit(install.status || 1);
  }
}

const version = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
process.stderr.write(`test:node24: vitest on node ${version}\n`);
// vitest starts its workers with process.execPath, and the CLI tests spawn process.execPath: all on 24.
const run = spawnSync(nodeBin, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(run.status ?? 1);
