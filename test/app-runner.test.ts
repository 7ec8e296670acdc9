import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app/start.js';
import { loadConfig } from '../src/config/index.js';
import { appOnLocalnet } from './helpers/app-config.js';
import { SQLITE_FILE } from '../src/store/index.js';

/*
 * Two `npm start`s on one data directory, as an operator opens a console beside the running bot:
 * one runs distributions, the other reads, says who runs them, and takes over when that one stops.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface ConsoleApp {
  app: RunningApp;
  printed(): string;
  type(line: string): void;
  waitFor(pattern: RegExp, from?: number): Promise<string>;
}

async function consoleApp(config: ReturnType<typeof loadConfig>): Promise<ConsoleApp> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const app = await startApp({ config, input, output });
  cleanups.push(() => app.stop());
  cleanups.push(() => void input.end());
  return {
    app,
    printed: () => printed,
    type: (line) => input.write(`${line}\n`),
    async waitFor(pattern, from = 0) {
      const until = Date.now() + 30_000;
      for (;;) {
        const match = pattern.exec(printed.slice(from));
        if (match) return match[0];
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; printed:\n${printed}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

describe('two processes on one data directory', () => {
  it('lets one run distributions; the other reads, names who runs them, and takes over when it stops', async () => {
    const { net, config } = await appOnLocalnet({ holders: 6, seed: 12, slotMs: 50 }, cleanups, () => ({ distribution: { leaseTtlMs: 1_000 } }));
    const bot = await consoleApp(config);
    expect(bot.printed()).not.toContain('read-only');
    bot.type(`/distribute preview token:${net.scenario.baseMint} amount:5 reward:SOL`);
    bot.type('/distribute confirm id:last');
    await bot.waitFor(/· completed/);

    const second = await consoleApp(config);
    expect(second.printed()).toMatch(/read-only +distributions on this data directory are run by \S+ pid \d+ since/);
    let mark = second.printed().length;
    second.type(`/distribute preview token:${net.scenario.baseMint} amount:5 reward:SOL`);
    await second.waitFor(new RegExp(`run by \\S+ pid ${process.pid} since [\\dT:Z-]+; this process only reads them`), mark);
    mark = second.printed().length;
    second.type('/distribute history');
    await second.waitFor(/completed/, mark);

    // The running one stops; after its lease period the other runs distributions itself.
    await bot.app.stop();
    const until = Date.now() + 15_000;
    for (;;) {
      mark = second.printed().length;
      second.type(`/distribute preview token:${net.scenario.baseMint} amount:5 reward:SOL`);
      const answer = await second.waitFor(/Plan \w{8} \(localnet\)|only reads them/, mark);
      if (answer.startsWith('Plan')) break;
      expect(Date.now()).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 60_000);

  it('starts a second embedded demo beside a running one without deleting the store that one uses', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-demo-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({ env: {}, overrides: { dataDir, http: { port: 0 }, log: { level: 'silent' }, localnet: { holders: 5 } } });
    const first = await consoleApp(config);
    first.type('/distribute history');
    await first.waitFor(/No distribution has been confirmed yet/);
    const second = await consoleApp(config);
    // Each has its own chain and its own ledger; the first keeps answering from its store.
    const mark = first.printed().length;
    first.type('/distribute history');
    await first.waitFor(/No distribution has been confirmed yet/, mark);
    expect(second.printed()).not.toContain('read-only');
    expect(existsSync(join(dataDir, 'embedded', SQLITE_FILE))).toBe(true);
    expect(existsSync(join(dataDir, 'embedded-2', SQLITE_FILE))).toBe(true);
  }, 60_000);
});
