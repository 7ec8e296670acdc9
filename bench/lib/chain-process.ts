import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RpcStats } from '../../src/localnet/index.js';
import { nodeArgs, REPO_ROOT, stopChild, type Runtime } from './runtime.js';

export interface ChainProcessOptions {
  holders: number;
  seed?: number;
  /** Default 400 ms, the app's default and mainnet's target. */
  slotMs?: number;
  /** `--rate-limit` spec, e.g. "public-mainnet". Default none. */
  rateLimit?: string;
  /** `--reward-accounts`: every holder has an empty reward token account already (a repeat distribution). */
  rewardAccounts?: boolean;
  /** `--bulk-holders`: also a token with this many holders seeded in bulk (`bulkMint`). */
  bulkHolders?: number;
}

/** What `tributary localnet` prints on its first line. */
export interface ChainInfo {
  rpcUrl: string;
  wsUrl: string;
  baseMint: string;
  rewardMint: string;
  keypairPath: string;
  distributor: string;
  holders: number;
  statsUrl: string;
  /** With `bulkHolders`: the bulk-seeded token and its holder count. */
  bulkMint?: string;
  bulkHolders?: number;
}

export interface ChainProcess extends ChainInfo {
  pid: number;
  startupMs: number;
  stats(): Promise<RpcStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The local chain in its own process, started with the product's own `tributary localnet`, so the
 * engine's CPU and memory figures are the engine's and the chain works on the other core.
 */
export function startChainProcess(runtime: Runtime, opts: ChainProcessOptions): Promise<ChainProcess> {
  return retryOnAddressInUse(() => startChainProcessOnce(runtime, opts));
}

/** Runs `use` against a chain process with a token of `holders` holders seeded in bulk (`bulkMint`), then stops the chain. */
export async function withBulkChain<T>(runtime: Runtime, holders: number, use: (chain: ChainProcess, bulkMint: string) => Promise<T>): Promise<T> {
  const chain = await startChainProcess(runtime, { holders: 10, bulkHolders: holders });
  try {
    if (!chain.bulkMint) throw new Error('the chain printed no bulkMint');
    return await use(chain, chain.bulkMint);
  } finally {
    await chain.close();
  }
}

/**
 * Runs `start` again when it failed with EADDRINUSE, up to `attempts` times in all. `--port 0` lets
 * the system pick the RPC port, but PubSub then listens on the next port up, which another process
 * (the machine is shared, and CI runs suites side by side) may hold or take first: a fresh start picks
 * another pair. Any other failure is thrown at once.
 */
export async function retryOnAddressInUse<T>(start: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt >= attempts || !/EADDRINUSE/.test(String((e as Error)?.message ?? e))) throw e;
    }
  }
}

async function startChainProcessOnce(runtime: Runtime, opts: ChainProcessOptions): Promise<ChainProcess> {
  const keypairDir = mkdtempSync(join(tmpdir(), 'tributary-bench-chain-'));
  const args = [
    ...nodeArgs(runtime, 'src/cli/main.ts'),
    'localnet',
    '--port',
    '0',
    '--holders',
    String(opts.holders),
    '--seed',
    String(opts.seed ?? 7),
    '--slot-ms',
    String(opts.slotMs ?? 400),
    '--keypair-dir',
    keypairDir,
    ...(opts.rateLimit ? ['--rate-limit', opts.rateLimit] : []),
    ...(opts.bulkHolders ? ['--bulk-holders', String(opts.bulkHolders)] : []),
    ...(opts.rewardAccounts ? ['--reward-accounts'] : []),
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const info = await firstLine(child, () => stderr);
  const startupMs = performance.now() - started;
  return {
    ...info,
    pid: child.pid as number,
    startupMs,
    async stats() {
      const res = await fetch(info.statsUrl);
      return (await res.json()) as RpcStats;
    },
    async resetStats() {
      await fetch(`${info.statsUrl}/reset`, { method: 'POST' });
    },
    async close() {
      await stopChild(child);
    },
  };
}

function firstLine(child: ChildProcess, stderr: () => string): Promise<ChainInfo> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    // 'close', not 'exit': it comes after stderr has been read to the end, so the error names its cause.
    const onClose = (code: number | null) => reject(new Error(`tributary localnet exited (${code}) before it was ready:\n${stderr()}`));
    child.once('close', onClose);
    lines.once('line', (line) => {
      child.off('close', onClose);
      try {
        resolve(JSON.parse(line) as ChainInfo);
      } catch (e) {
        reject(new Error(`tributary localnet printed no JSON first line: ${line}`, { cause: e }));
      }
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout?.resume();
    });
  });
}
