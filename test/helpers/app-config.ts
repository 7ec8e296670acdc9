import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deepMerge, loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import { startLocalnet, type Localnet, type LocalnetOptions } from '../../src/localnet/index.js';

/**
 * A local chain, a new data directory, and the config of an app that runs on both (no env, any
 * free metrics port, fast progress edits); `cleanups` gets what undoes them.
 */
export async function appOnLocalnet(
  chain: LocalnetOptions,
  cleanups: (() => Promise<void> | void)[],
  overrides: (net: Localnet) => DeepPartial<Config> = () => ({}),
): Promise<{ net: Localnet; dataDir: string; config: Config }> {
  const net = await startLocalnet(chain);
  cleanups.push(() => net.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-app-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const base: DeepPartial<Config> = {
    rpc: { url: net.rpcUrl },
    keypairPath: net.scenario.keypairPath,
    dataDir,
    http: { port: 0 },
    log: { level: 'silent' },
    distribution: { progressEditIntervalMs: 150 },
  };
  return { net, dataDir, config: loadConfig({ env: {}, overrides: deepMerge(base, overrides(net)) as DeepPartial<Config> }) };
}
