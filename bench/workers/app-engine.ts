import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine, engineOptionsFromConfig, type Engine } from '../../src/app/engine.js';
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
  const engine = createEngine(engineOptionsFromConfig(config, { rpcUrl: opts.rpcUrl, keypairPath: opts.keypairPath, store, logger }));
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
