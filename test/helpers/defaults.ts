/**
 * Options of the lower layers built from the configuration schema's defaults (defaultConfig() parses
 * `{}` through it): the schema is the one place for a default, so a test states only what it tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { engineOptionsFromConfig, type EngineOptions } from '../../src/app/engine.js';
import { gatewayOptions } from '../../src/app/rpc-options.js';
import { defaultConfig, type Config } from '../../src/config/index.js';
import type { ExecutorOptions } from '../../src/engine/executor.js';
import type { RpcGatewayOptions } from '../../src/solana/gateway.js';
import type { Store } from '../../src/store/index.js';

/** The gateway as the default config sets it up for `url`, with `overrides`. */
export function defaultGatewayOptions(url: string, overrides: Partial<RpcGatewayOptions> = {}): RpcGatewayOptions {
  return { ...gatewayOptions(defaultConfig(), url), ...overrides };
}

export type EngineOverrides = Partial<Omit<EngineOptions, 'gateway' | 'executor'>> & {
  gateway?: Partial<RpcGatewayOptions>;
  executor?: Partial<ExecutorOptions>;
};

let reportsDir: string | undefined;

/**
 * The engine as `config` (default: the defaults) sets it up, without spending guards unless
 * `overrides` has one, and with `overrides` on top. Without a config, reports are written to a
 * temporary folder of this process, not to the default `./data`.
 */
export function defaultEngineOptions(
  wiring: { rpcUrl: string; keypairPath: string; store: Pick<Store, 'ns' | 'atomic' | 'durability'>; logger: Logger },
  overrides: EngineOverrides = {},
  config?: Config,
): EngineOptions {
  const { guard: _configGuard, ...base } = engineOptionsFromConfig(config ?? defaultConfig(), wiring);
  if (!config) base.reportsDir = reportsDir ??= mkdtempSync(join(tmpdir(), 'tributary-reports-'));
  const { gateway, executor, ...rest } = overrides;
  return {
    ...base,
    ...rest,
    gateway: { ...base.gateway, ...gateway },
    executor: { ...base.executor, ...executor },
  };
}
