import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalChain, type ChainTuning } from './chain.js';
import type { FaultRates } from './faults.js';
import type { RateLimitRule } from '../solana/sliding-window.js';
import { RpcServer } from './rpc-server.js';
import { seedScenario, type Scenario } from './seed.js';
import { BulkTokenAccounts } from './bulk-holders.js';
import { PublicKey } from '@solana/web3.js';

export interface LocalnetOptions extends Partial<ChainTuning> {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Holders of the seeded base token; 0 seeds nothing. Default 200. */
  holders?: number;
  /** Every base holder has an empty account of the reward token already (a repeat distribution). Default false. */
  rewardAccounts?: boolean;
  seed?: number;
  /** Where the distributor's keypair is written; default a new temporary folder. */
  keypairDir?: string;
  slotMs?: number;
  rateLimit?: RateLimitRule | null;
  faults?: FaultRates;
  prioritizationFee?: number;
  /** Serve history lookups (`searchTransactionHistory`, `getTransaction`); false answers -32011. Default true. */
  transactionHistory?: boolean;
  /**
   * Also serve a second endpoint over the same chain that answers this many slots behind the tip
   * (`laggingRpcUrl`); unset = no second endpoint. It has the same rate limit, faults and history
   * setting as the first, with its own counters.
   */
  laggingEndpointSlots?: number;
  /**
   * Also seed a token with this many holders straight into typed arrays (bulk-holders.ts): a
   * million in seconds, for snapshots and previews at scale. Its mint is `scenario.bulkMint`. Default 0.
   */
  bulkHolders?: number;
  /** Most accounts one getProgramAccounts answer carries before the node refuses it. Default null: no limit. */
  maxProgramAccounts?: number | null;
  /** false: refuse getProgramAccounts on the token programs, as public mainnet endpoints do. Default true. */
  tokenProgramScans?: boolean;
  /** false: do not serve DAS getTokenAccounts. Default true. */
  das?: boolean;
}

export interface Localnet {
  rpcUrl: string;
  /** PubSub (WebSocket) of `rpcUrl`. */
  wsUrl: string;
  chain: LocalChain;
  server: RpcServer;
  /** The endpoint `laggingEndpointSlots` behind, when asked for. */
  laggingRpcUrl?: string;
  laggingWsUrl?: string;
  laggingServer?: RpcServer;
  scenario: Scenario;
  /** The bulk-seeded token's accounts, when `bulkHolders` asked for one. */
  bulk?: BulkTokenAccounts;
  close(): Promise<void>;
}

/** An in-process Solana chain (litesvm) behind JSON-RPC on 127.0.0.1, seeded with a demo community. */
export async function startLocalnet(opts: LocalnetOptions = {}): Promise<Localnet> {
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const chain = new LocalChain(
    defined({
      slotMs: opts.slotMs,
      prioritizationFee: opts.prioritizationFee,
      statusCacheSlots: opts.statusCacheSlots,
      confirmedLagSlots: opts.confirmedLagSlots,
      forkSlots: opts.forkSlots,
      forkRelandSlots: opts.forkRelandSlots,
    }),
  );
  const scenario = seedScenario(chain, {
    holders: opts.holders ?? 200,
    seed: opts.seed ?? 42,
    keypairDir: opts.keypairDir ?? mkdtempSync(join(tmpdir(), 'tributary-localnet-')),
    ...(opts.rewardAccounts ? { rewardAccounts: true } : {}),
  });
  let bulk: BulkTokenAccounts | undefined;
  if (opts.bulkHolders) {
    bulk = new BulkTokenAccounts({ holders: opts.bulkHolders, seed: (opts.seed ?? 42) + 1 });
    bulk.install(chain, new PublicKey(scenario.distributor));
    scenario.bulkMint = bulk.mint;
  }
  // The seed is the genesis state: a first block on top of it, so nothing sent afterwards shares its slot.
  chain.advance(1);
  const node = {
    rateLimit: opts.rateLimit ?? null,
    faults: opts.faults ?? {},
    faultSeed: opts.seed ?? 42,
    transactionHistory: opts.transactionHistory ?? true,
    ...defined({ maxProgramAccounts: opts.maxProgramAccounts, tokenProgramScans: opts.tokenProgramScans, das: opts.das }),
  };
  const servers: RpcServer[] = [];
  const close = async () => {
    for (const s of servers) await s.close();
    chain.close();
  };
  try {
    const server = new RpcServer(chain, { ...node, ...defined({ host: opts.host, port: opts.port }) });
    servers.push(server);
    const rpcUrl = await server.listen();
    let lagging: RpcServer | undefined;
    if (opts.laggingEndpointSlots !== undefined) {
      lagging = new RpcServer(chain, { ...node, ...defined({ host: opts.host }), faultSeed: node.faultSeed + 1, lagSlots: opts.laggingEndpointSlots });
      servers.push(lagging);
      await lagging.listen();
    }
    return {
      rpcUrl,
      wsUrl: server.wsUrl,
      chain,
      server,
      ...(lagging ? { laggingRpcUrl: lagging.url, laggingWsUrl: lagging.wsUrl, laggingServer: lagging } : {}),
      scenario,
      ...(bulk ? { bulk } : {}),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

export type { Scenario, SeededHolder } from './seed.js';
export { BulkTokenAccounts } from './bulk-holders.js';
export type { FaultRates } from './faults.js';
export type { RateLimitRule } from '../solana/sliding-window.js';
export type { RpcStats } from './rpc-server.js';
export type { ChainTuning, Commitment } from './chain.js';
export type { NodeSettings } from './rpc-methods.js';
