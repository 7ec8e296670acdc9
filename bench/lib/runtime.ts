import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/ -> ../..), also when this file runs compiled from bench/out/dist/bench/lib/. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** Where `npm run bench` compiles src/ and bench/ (gitignored), so child processes run what ships: plain JS. */
export const BUILD_DIR = join(REPO_ROOT, 'bench', 'out', 'dist');

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/**
 * How child processes run a TypeScript module of the repo: `compiled` runs the tsc output in
 * BUILD_DIR (production-like memory and start-up), `tsx` runs the source through the tsx loader
 * (no build step: the quick mode).
 */
export type Runtime = 'compiled' | 'tsx';

/** `node` arguments that run `tsPath` (relative to the repo root, e.g. "src/cli/main.ts"). */
export function nodeArgs(runtime: Runtime, tsPath: string): string[] {
  if (runtime === 'tsx') return ['--import', 'tsx', join(REPO_ROOT, tsPath)];
  const js = join(BUILD_DIR, tsPath.replace(/\.ts$/, '.js'));
  if (!existsSync(js)) throw new Error(`${relative(REPO_ROOT, js)} is missing: the build step did not emit it`);
  return [js];
}

/**
 * The node flags of package.json's "start" script (`node --max-semi-space-size=1 --v8-pool-size=1
 * dist/src/cli/main.js start` -> ["--max-semi-space-size=1", "--v8-pool-size=1"]): every process the bench runs the app or its engine in gets
 * them, so memory and speed are those of `npm start` (and of the Dockerfile, which uses the same).
 */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.['start'] ?? '').trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json "start" does not run node directly: ${pkg.scripts?.['start']}`);
  const flags: string[] = [];
  for (const w of words.slice(1)) {
    if (!w.startsWith('-')) break;
    flags.push(w);
  }
  return flags;
}

/**
 * Compiles src/, commands/ and bench/ into BUILD_DIR with tsc, then runs the build's last step as
 * package.json's "build" does (src/cli/build-bin.ts: the `tributary` launcher, help.txt and the
 * prebuilt `config show` defaults beside main.js). Type errors elsewhere in the tree do not stop emission.
 */
export async function build(): Promise<{ ms: number; diagnostics: string }> {
  const started = performance.now();
  const tsc = resolve(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = await capture(process.execPath, [tsc, '-p', join(REPO_ROOT, 'bench', 'tsconfig.json')], { cwd: REPO_ROOT });
  const bin = await capture(process.execPath, [join(BUILD_DIR, 'src', 'cli', 'build-bin.js'), join(REPO_ROOT, 'src', 'cli', 'launcher.sh')], { cwd: REPO_ROOT });
  if (bin.code !== 0) throw new Error(`src/cli/build-bin.js failed (${bin.code}): ${bin.stderr}`);
  return { ms: performance.now() - started, diagnostics: out.stdout.trim() };
}

/**
 * How to run the `tributary` command as installed: the bin package.json names (the build's
 * launcher, run through its `#!/bin/sh` line, which finds `node` on PATH) for the compiled runtime;
 * node with tsx on src/cli/main.ts otherwise (no build, no launcher). PATH starts with this node's
 * folder so the launcher runs the same node as everything else.
 */
export function tributaryCommand(runtime: Runtime): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const path = `${dirname(process.execPath)}${process.platform === 'win32' ? ';' : ':'}${process.env['PATH'] ?? ''}`;
  if (runtime === 'tsx') return { file: process.execPath, args: nodeArgs(runtime, 'src/cli/main.ts'), env: { PATH: path } };
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const bin = pkg.bin?.['tributary'];
  if (bin === undefined || !bin.startsWith('dist/')) throw new Error(`package.json "bin".tributary is not under dist/: ${bin}`);
  const file = join(BUILD_DIR, bin.slice('dist/'.length));
  if (!existsSync(file)) throw new Error(`${relative(REPO_ROOT, file)} is missing: the build step did not write it`);
  return { file, args: [], env: { PATH: path } };
}

export interface Captured {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function capture(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Ends a child we started, by its pid, and waits for it to exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
