import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine, type Engine } from '../../src/app/engine.js';
import { gatewayOptions } from '../../src/app/rpc-options.js';
import { loadConfig, type Config, type RpcPresetName } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface AppEngineOptions {
  rpcUrl: string;
  keypairPath: string;
  /** RPC preset the gateway paces to. Default "localnet" (no limit), as `npm start`. */
  preset?: RpcPresetName;
  /** Where the SQLite store and the log file go. Default a new temporary folder. */
  dataDir?: string;
}

export interface AppEngine {
  config: Config;
  engine: Engine;
  store: Store;
  close(): Promise<void>;
}

/**
 * The engine as `npm start` wires it (src/app/start.ts) against an external chain: config from
 * defaults, the SQLite store (WAL), a file logger at the configured level, the gateway from the
 * RPC preset, the executor from config. The chat platforms are not started here.
 */
export async function startAppEngine(opts: AppEngineOptions): Promise<AppEngine> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-bench-app-'));
  const config = loadConfig({
    env: {},
    overrides: { rpc: { url: opts.rpcUrl, preset: opts.preset ?? 'localnet' }, keypairPath: opts.keypairPath, dataDir },
  });
  const logger = createLogger({ level: config.log.level, destination: pino.destination({ dest: join(dataDir, 'tributary.log'), sync: false, mkdir: true }) });
  const store = await openStore({ dataDir, redisUrl: config.store.redisUrl });
  const engine = createEngine({
    gateway: gatewayOptions(config, opts.rpcUrl),
    keypairPath: opts.keypairPath,
    network: config.network,
    ledgerStore: store.ns('ledger'),
    cacheStore: store.ns('cache'),
    logger: logger.child({ component: 'engine' }),
    executor: {
      computeUnitPriceCap: config.distribution.computeUnitPriceCapMicroLamports,
      maxRecipientsPerTransaction: config.distribution.maxRecipientsPerTransaction,
    },
    snapshotTtlMs: config.cache.snapshotTtlMs,
    previewTtlMs: config.distribution.previewTtlMs,
    snapshotMaxRecipients: config.distribution.snapshotMaxRecipients,
    largeTotalWarning: config.distribution.largeTotalWarning,
    manyRecipientsWarning: config.distribution.manyRecipientsWarning,
  });
  await engine.service.recoverUnfinished();
  return {
    config,
    engine,
    store,
    async close() {
      await engine.close();
      await store.close();
      logger.flush?.();
    },
  };
}
