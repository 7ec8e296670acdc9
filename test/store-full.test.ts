/**
 * A full disk mid-run and a read-only data directory.
 *
 * The disk fills while a distribution runs: the store's own SQLite connection is limited to the
 * pages it has (`PRAGMA max_page_count`, a real SQLITE_FULL from SQLite, no root or loop mount
 * needed), and the log file is /dev/full (every write ENOSPC). The process keeps answering on the
 * console, says what is full, the run waits, and it completes once there is room again. A data
 * directory the user cannot write is refused at start in one sentence, without the logger's
 * "sonic boom is not ready yet" stack trace.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@solana/web3.js';
import { afterEach, describe, expect, it } from 'vitest';
import { appOnLocalnet, sqliteOf, startConsoleApp } from './helpers/app-config.js';

const CLI = join(import.meta.dirname, '../src/cli/main.ts');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('a full disk while a distribution runs', () => {
  it('keeps answering, names the full disk, waits, and completes the run when there is room again', async () => {
    const { net, config } = await appOnLocalnet({ holders: 40, seed: 41, slotMs: 50 }, cleanups, () => ({ log: { level: 'info' } }));
    // The log file is on a full disk from the start.
    symlinkSync('/dev/full', join(config.dataDir, 'tributary.log'));
    const { app, input, printed, waitFor } = await startConsoleApp(config, cleanups);
    // Transactions are dropped until the disk is full, so the run is still going then.
    net.server.faults.rates = { dropTransaction: 1 };
    input.write(`/distribute preview token:${net.scenario.baseMint} amount:1000 reward:${net.scenario.rewardMint}\n/distribute confirm id:last\n`);
    const planId = (await waitFor(/Distribution (\w{8}) · running/))[1] as string;
    const sqlite = sqliteOf(app.context.store);
    const [{ page_count: pages }] = (await sqlite.query('PRAGMA page_count')) as [{ page_count: number }];
    await sqlite.query(`PRAGMA max_page_count = ${pages}`);
    net.server.faults.rates = {};

    // The run says why it waits; the console still answers, and a command that must write says the disk is full.
    let mark = printed().length;
    await waitFor(
      /Note: the store cannot write since \S+: the data directory's disk is full \(SQLITE_FULL\)\. Free space in the data directory; the run waits and goes on by itself/,
      mark,
    );
    mark = printed().length;
    input.write(`/distribute history\n/distribute preview token:${net.scenario.baseMint} amount:10 reward:${net.scenario.rewardMint} refresh:true\n`);
    await waitFor(new RegExp(`${planId} · running · 1000 `), mark);
    await waitFor(
      /✖ the store cannot write: the data directory's disk is full \(SQLITE_FULL\); nothing was done\. Free space there; running distributions wait and go on by themselves \(id [0-9a-f]{8}\)\./,
      mark,
    );
    expect(printed()).toContain(`⚠ the log file ${join(config.dataDir, 'tributary.log')} cannot be written (ENOSPC: the disk is full); log lines are lost until it can`);
    expect(printed()).not.toContain('internal error');

    // Room again: the run goes on to its summary, everyone paid once.
    await sqlite.query('PRAGMA max_page_count = 1073741823');
    mark = printed().length;
    await waitFor(new RegExp(`Distribution ${planId} · completed\\n\\[█{20}\\] (\\d+)/\\1 paid · 0 failed\\nSuccess rate 100%`), mark);
    input.end();
    await app.finished;
  }, 300_000);
});

describe('a data directory that cannot be written', () => {
  it('is refused at start in one sentence, with no logger stack trace', () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-ro-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    chmodSync(root, 0o755);
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o555);
    const keypairPath = join(root, 'distributor.json');
    writeFileSync(keypairPath, JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });
    // Root writes anywhere: the CLI then runs as nobody, for whom the directory is read-only, as for any user.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (process.getuid?.() === 0) chownSync(keypairPath, 65534, 65534);
    for (const rpc of ['', 'http://127.0.0.1:1']) {
      const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'start'], {
        ...asNobody,
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
        input: '/help\n',
        env: {
          ...process.env,
          HOME: root,
          TRIBUTARY_DATA_DIR: dataDir,
          TRIBUTARY_HTTP_PORT: '0',
          TRIBUTARY_KEYPAIR: rpc ? keypairPath : '',
          SOLANA_RPC_URL: rpc,
          DISCORD_TOKEN: '',
          TELEGRAM_TOKEN: '',
          TRIBUTARY_CONFIG: '',
        },
        timeout: 60_000,
      });
      expect(res.status, res.stderr).toBe(1);
      expect(res.stderr.trim()).toBe(
        `tributary: the data directory ${dataDir} is not writable (EACCES: permission denied): Tributary keeps its store, log and exports there; make it writable by this user, or set TRIBUTARY_DATA_DIR (dataDir) to a directory that is`,
      );
      expect(res.stderr).not.toContain('sonic boom');
      expect(res.stdout).toBe('');
    }
  }, 120_000);
});
