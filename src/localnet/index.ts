import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalChain } from './chain.js';
import type { FaultRates } from './faults.js';
import type { RateLimitRule } from '../solana/sliding-window.js';
import { RpcServer } from './rpc-server.js';
import { seedScenario, type Scenario } from './seed.js';

export interface LocalnetOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Holders of the seeded base token; 0 seeds nothing. Default 200. */
  holders?: number;
  seed?: number;
  /** Where the distributor's keypair is written; default a new temporary folder. */
  keypairDir?: string;
  slotMs?: number;
  rateLimit?: RateLimitRule | null;
  faults?: FaultRates;
  prioritizationFee?: number;
}

export interface Localnet {
  rpcUrl: string;
  chain: LocalChain;
  server: RpcServer;
  scenario: Scenario;
  close(): Promise<void>;
}

/** An in-process Solana chain (litesvm) behind JSON-RPC on 127.0.0.1, seeded with a demo community. */
export async function startLocalnet(opts: LocalnetOptions = {}): Promise<Localnet> {
  const chain = new LocalChain({
    ...(opts.slotMs !== undefined ? { slotMs: opts.slotMs } : {}),
    ...(opts.prioritizationFee !== undefined ? { prioritizationFee: opts.prioritizationFee } : {}),
  });
  const scenario = seedScenario(chain, {
    holders: opts.holders ?? 200,
    seed: opts.seed ?? 42,
    keypairDir: opts.keypairDir ?? mkdtempSync(join(tmpdir(), 'tributary-localnet-')),
  });
  const server = new RpcServer(chain, {
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    rateLimit: opts.rateLimit ?? null,
    faults: opts.faults ?? {},
    faultSeed: opts.seed ?? 42,
  });
  const rpcUrl = await server.listen();
  return {
    rpcUrl,
    chain,
    server,
    scenario,
    async close() {
      await server.close();
      chain.close();
    },
  };
}

export type { Scenario, SeededHolder } from './seed.js';
export type { FaultRates } from './faults.js';
export type { RateLimitRule } from '../solana/sliding-window.js';
export type { RpcStats } from './rpc-server.js';
