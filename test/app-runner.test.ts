import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/index.js';
import { appOnLocalnet, startConsoleApp } from './helpers/app-config.js';
import { SQLITE_FILE } from '../src/store/index.js';

/*
 * Two `npm start`s on one data directory, as an operator opens a console beside the running bot:
 * one runs distributions, the other reads, says who runs them, and takes over when that one stops.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const consoleApp = (config: Config) => startConsoleApp(config, cleanups);

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
      const answer = (await second.waitFor(/Plan \w{8} \(localnet\)|only reads them/, mark))[0];
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
