import { spawn } from 'node:child_process';
import type { WorkerResult, WorkerTask } from '../workers/tasks.js';
import { nodeArgs, REPO_ROOT, startFlags, stopChild, type Runtime } from './runtime.js';

export interface WorkerOptions {
  /**
   * Node flags of the process. Default: those of package.json's "start" script (startFlags()), as
   * `npm start` and the Dockerfile run the app; [] for a plain `node`.
   */
  execArgv?: string[];
  timeoutMs?: number;
}

/** Runs one task in a fresh engine process and returns what it reported. */
export function runWorker<R extends WorkerResult>(runtime: Runtime, task: WorkerTask, opts: WorkerOptions = {}): Promise<R> {
  return runTaskProcess<R>(runtime, 'bench/workers/engine-worker.ts', task, opts);
}

/** Runs `tsPath` with the task as its last argument; it reports one result over IPC and exits 0. */
export async function runTaskProcess<R>(runtime: Runtime, tsPath: string, task: unknown, opts: WorkerOptions = {}): Promise<R> {
  const args = [...(opts.execArgv ?? startFlags()), ...nodeArgs(runtime, tsPath), JSON.stringify(task)];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  let result: R | undefined;
  child.on('message', (m) => (result = m as R));
  const timer = setTimeout(() => void stopChild(child, 'SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0 || result === undefined) throw new Error(`${tsPath} exited with ${code}:\n${stderr}`);
  return result;
}
