import { join, resolve } from 'node:path';
import type Keyv from 'keyv';
import type { Logger } from 'pino';
import { ChainReads } from '../engine/chain-reads.js';
import { EngineEventBus } from '../engine/events.js';
import { DEFAULT_EXECUTOR_OPTIONS, type ExecutorOptions } from '../engine/executor.js';
import { ledgerOf, type Ledger } from '../engine/ledger.js';
import { LeaseTaker, processHolder, type LeaseOptions } from '../engine/lease.js';
import type { Store } from '../store/index.js';
import { DistributionService, type SpendGuard } from '../engine/service.js';
import { RpcGateway, type RpcGatewayOptions } from '../solana/gateway.js';
import { loadKeypair } from '../solana/keypair.js';
import type { Config } from '../config/index.js';
import type { SnapshotSource } from '../engine/snapshot.js';
import { gatewayOptions } from './rpc-options.js';
import { SpendGuards } from '../engine/guards.js';
import { ScheduleBook } from '../schedule/book.js';
import { autoApprovalOf } from '../schedule/scheduler.js';
import { LookupTables } from '../engine/lookup-tables.js';
import { scheduleLookupTables } from '../schedule/lookup.js';

/**
 * Every figure the configuration sets is required here: the config schema (src/config/schema.ts) is
 * the one place for its default, and engineOptionsFromConfig the one mapping. Tests build these
 * from the schema's defaults too.
 */
export interface EngineOptions {
  gateway: RpcGatewayOptions;
  keypairPath: string;
  network: string;
  /** Where the ledger lives: its namespaces, their atomic operations, and whether writes survive a restart. */
  store: Pick<Store, 'ns' | 'atomic' | 'durability'>;
  cacheStore?: Keyv;
  lease: LeaseOptions;
  /** Spending limits checked at every confirm; none when absent. */
  guard?: SpendGuard;
  logger: Logger;
  /** The priority-fee cap and recipients per transaction from config; the executor's own tuning may be overridden. */
  executor: Pick<ExecutorOptions, 'computeUnitPriceCap' | 'maxRecipientsPerTransaction'> & Partial<ExecutorOptions>;
  snapshotTtlMs: number;
  previewTtlMs: number;
  /** The most recipients one preview plans; null for no limit. More is refused, never cut. */
  snapshotMaxRecipients: number | null;
  /** Where holder lists come from. */
  snapshotSource: SnapshotSource;
  largeTotalWarning: string | null;
  manyRecipientsWarning: number;
  /** Where distributions' CSV reports are written: `<dataDir>/reports` from config. */
  reportsDir: string;
}

export interface Engine {
  gateway: RpcGateway;
  service: DistributionService;
  /** Holders, the distributor's balances, the endpoint's health: the chain reads that are not distributions. */
  reads: ChainReads;
  /** The spending limits checked at every confirm (src/engine/guards.ts), or null. */
  guard: SpendGuard | null;
  events: EngineEventBus;
  ledger: Ledger;
  leases: LeaseTaker;
  /** Schedules' address lookup tables (src/engine/lookup-tables.ts). */
  lookupTables: LookupTables;
  payer: string;
  close(): Promise<void>;
}

/** Wires the RPC gateway, the ledger and the distribution service; the one place that does. */
export function createEngine(opts: EngineOptions): Engine {
  const gateway = new RpcGateway(opts.gateway);
  const payer = loadKeypair(opts.keypairPath);
  const events = new EngineEventBus();
  const ledger = ledgerOf(opts.store);
  const executor: ExecutorOptions = { ...DEFAULT_EXECUTOR_OPTIONS, ...opts.executor };
  const holder = processHolder();
  const leases = new LeaseTaker(ledger, holder, opts.lease, opts.logger);
  const lookupTables = new LookupTables({
    connection: gateway.connection('bulk'),
    rpc: (calls) => gateway.batch(calls, 'bulk'),
    store: opts.store,
    payer,
    holder,
    lease: opts.lease,
    logger: opts.logger,
    pollIntervalMs: executor.pollIntervalMs,
    rebroadcastIntervalMs: executor.rebroadcastIntervalMs,
    evidenceTimeoutMs: executor.evidenceTimeoutMs,
  });
  const service = new DistributionService({
    connection: gateway.connection('bulk'),
    rpc: (calls) => gateway.batch(calls, 'bulk'),
    leases,
    storeProblems: [...opts.store.durability.problems],
    ...(opts.guard ? { guard: opts.guard } : {}),
    interactiveConnection: gateway.connection('interactive'),
    ledger,
    lookupTables: scheduleLookupTables(ScheduleBook.of(opts.store), lookupTables),
    ...(opts.cacheStore ? { snapshotCache: opts.cacheStore } : {}),
    payer,
    events,
    logger: opts.logger,
    network: opts.network,
    executor,
    reportsDir: opts.reportsDir,
    preview: {
      snapshotTtlMs: opts.snapshotTtlMs,
      previewTtlMs: opts.previewTtlMs,
      computeUnitPriceCap: executor.computeUnitPriceCap,
      maxRecipientsPerTransaction: executor.maxRecipientsPerTransaction,
      snapshotMaxRecipients: opts.snapshotMaxRecipients,
      snapshotSource: opts.snapshotSource,
      largeTotalWarning: opts.largeTotalWarning,
      manyRecipientsWarning: opts.manyRecipientsWarning,
      rpcLimit: opts.gateway.limit,
    },
  });
  const reads = new ChainReads({
    connection: gateway.connection('interactive'),
    requester: gateway,
    stats: () => gateway.stats(),
    payer: payer.publicKey,
    ...(opts.cacheStore ? { snapshotCache: opts.cacheStore } : {}),
    snapshotTtlMs: opts.snapshotTtlMs,
    snapshotSource: opts.snapshotSource,
    exportsDir: opts.reportsDir,
    logger: opts.logger,
  });
  return {
    gateway,
    service,
    reads,
    guard: opts.guard ?? null,
    events,
    ledger,
    leases,
    lookupTables,
    payer: payer.publicKey.toBase58(),
    async close() {
      await service.shutdown();
      await gateway.close();
    },
  };
}

/** The engine's options as the configuration sets them; the one mapping of config to engine. */
export function engineOptionsFromConfig(
  config: Config,
  wiring: { rpcUrl: string; keypairPath: string; store: Pick<Store, 'ns' | 'atomic' | 'durability'>; logger: Logger; assumedSlotMs?: number },
): EngineOptions {
  return {
    gateway: gatewayOptions(config, wiring.rpcUrl),
    keypairPath: wiring.keypairPath,
    network: config.network,
    store: wiring.store,
    cacheStore: wiring.store.ns('cache'),
    // Spent amounts come from the ledger itself; a schedule's own cap from its record.
    guard: new SpendGuards({
      ledger: ledgerOf(wiring.store),
      config: config.guards,
      autoApproval: autoApprovalOf(ScheduleBook.of(wiring.store)),
    }),
    logger: wiring.logger.child({ component: 'engine' }),
    executor: {
      computeUnitPriceCap: config.distribution.computeUnitPriceCapMicroLamports,
      maxRecipientsPerTransaction: config.distribution.maxRecipientsPerTransaction,
      ...(wiring.assumedSlotMs !== undefined ? { assumedSlotMs: wiring.assumedSlotMs } : {}),
    },
    // Renewed six times a lease period, so a slow store or a busy event loop does not lose it.
    lease: { ttlMs: config.distribution.leaseTtlMs, renewEveryMs: Math.max(100, Math.floor(config.distribution.leaseTtlMs / 6)) },
    snapshotTtlMs: config.cache.snapshotTtlMs,
    previewTtlMs: config.distribution.previewTtlMs,
    snapshotMaxRecipients: config.distribution.snapshotMaxRecipients,
    snapshotSource: config.snapshot.source,
    largeTotalWarning: config.distribution.largeTotalWarning,
    manyRecipientsWarning: config.distribution.manyRecipientsWarning,
    reportsDir: join(resolve(config.dataDir), 'reports'),
  };
}
