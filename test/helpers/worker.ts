import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { WorkerSpec } from '../fixtures/distribution-worker.js';

export type { WorkerSpec };

export interface Worker {
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  kill(): void;
  waitFor(pred: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

const live = new Set<Worker>();

/** SIGKILLs every worker still running: a failed test must not leave one paying beside the next test. */
export async function killAllWorkers(): Promise<void> {
  const all = [...live];
  for (const w of all) w.kill();
  await Promise.all(all.map((w) => w.exited));
}

/** Starts the engine in its own process (test/fixtures/distribution-worker.ts) so it can be SIGKILLed. */
export function startWorker(spec: WorkerSpec): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/distribution-worker.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const w of waiters.filter((w) => w.pred(line))) w.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const worker: Worker = {
    lines,
    exited,
    kill: () => child.kill('SIGKILL'),
    waitFor: (pred) => {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exited.then(() => setTimeout(() => reject(new Error(`worker ${spec.mode} exited before the awaited line; it said: ${JSON.stringify(lines)}`)), 50));
      });
    },
  };
  live.add(worker);
  void exited.then(() => live.delete(worker));
  return worker;
}
