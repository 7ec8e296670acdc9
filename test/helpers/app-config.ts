import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { vi } from 'vitest';
import { startApp, type RunningApp } from '../../src/app/start.js';
import { deepMerge, loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import { startLocalnet, type Localnet, type LocalnetOptions } from '../../src/localnet/index.js';
import type { Store } from '../../src/store/index.js';

/** The store's SQLite connection (behind a namespace view), to limit its size as a full disk would. */
export function sqliteOf(store: Pick<Store, 'ns'>): { query(sql: string): Promise<Array<Record<string, number>>> } {
  const view = (store.ns('health') as unknown as { opts: { store: { inner: { query(sql: string): Promise<Array<Record<string, number>>> } } } }).opts.store;
  return view.inner;
}

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

export interface ConsoleApp {
  app: RunningApp;
  input: PassThrough;
  /** Everything the console printed so far. */
  printed(): string;
  /** Types a line, as at the terminal. */
  type(line: string): void;
  /** The first match of `pattern` in what is printed from offset `from` on, once it is there. */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
}

/** The app as `npm start` runs it, with the console chat on streams the test holds. */
export async function startConsoleApp(config: Config, cleanups: (() => Promise<void> | void)[]): Promise<ConsoleApp> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const app = await startApp({ config, input, output });
  cleanups.push(() => app.stop());
  cleanups.push(() => void input.end());
  return {
    app,
    input,
    printed: () => printed,
    type: (line) => input.write(`${line}\n`),
    waitFor: (pattern, from = 0) =>
      vi.waitFor(
        () => {
          const m = pattern.exec(printed.slice(from));
          if (!m) throw new Error(`no ${pattern} yet; printed:\n${printed.slice(-2_000)}`);
          return m;
        },
        // Generous: on a busy machine the local chain's slots, and so expiries, come late.
        { timeout: 90_000, interval: 25 },
      ),
  };
}
