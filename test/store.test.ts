import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sqlite3 from 'sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { deserialize, entries, listKeys, openStore, serialize, SQLITE_FILE, StoreError, type Store } from '../src/store/index.js';

const open: Store[] = [];
async function freshStore(dataDir = mkdtempSync(join(tmpdir(), 'tributary-store-')), sweepIntervalMs = 0): Promise<Store> {
  const store = await openStore({ dataDir, sweepIntervalMs });
  open.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

/** Reads the SQLite file through a second, independent connection. */
async function rawQuery(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  try {
    return await new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as Array<Record<string, unknown>>))));
  } finally {
    await new Promise((resolve) => db.close(resolve));
  }
}

describe('openStore (SQLite)', () => {
  it('round-trips records with bigint amounts and bytes, which plain JSON cannot store', async () => {
    const store = await freshStore();
    const record = {
      distributionId: 'd1',
      total: 18_446_744_073_709_551_615n,
      allocations: [
        { owner: 'A', amount: 1n },
        { owner: 'B', amount: 0n },
        { owner: 'C', amount: -5n },
      ],
      txBytes: new Uint8Array([1, 2, 3, 255]),
      note: '#bigint:7 is only text',
      lastValidBlockHeight: 123_456,
      confirmed: false,
      failure: null,
    };
    await store.ns('ledger').set('d1', record);
    expect(await store.ns('ledger').get('d1')).toEqual(record);
  });

  it('refuses a Map instead of silently storing it as {}', async () => {
    const store = await freshStore();
    await expect(store.ns('ledger').set('m', { byOwner: new Map([['A', 1n]]) })).rejects.toThrow(StoreError);
  });

  it('forgets an entry once its TTL has passed', async () => {
    const store = await freshStore();
    const cache = store.ns('cache');
    await cache.set('snapshot', { holders: 3n }, 60);
    expect(await cache.get('snapshot')).toEqual({ holders: 3n });
    await sleep(100);
    expect(await cache.get('snapshot')).toBeUndefined();
    expect(await cache.has('snapshot')).toBe(false);
  });

  it('sweeps expired rows that nobody reads again, and keeps live ones', async () => {
    const store = await freshStore();
    const cache = store.ns('cache');
    await cache.set('old-1', 1, 20);
    await cache.set('old-2', 2, 20);
    await cache.set('fresh', 3, 60_000);
    await store.ns('ledger').set('forever', 4);
    await sleep(60);
    expect(await store.sweepExpired()).toBe(2);
    const keys = await rawQuery(store.location, 'SELECT key FROM keyv ORDER BY key');
    expect(keys.map((row) => row['key'])).toEqual(['tributary.cache:fresh', 'tributary.ledger:forever']);
  });

  it('runs SQLite in WAL mode, as another connection to the file sees', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-store-'));
    const store = await freshStore(dataDir);
    expect(store.backend).toBe('sqlite');
    expect(store.location).toBe(join(dataDir, SQLITE_FILE));
    const [row] = await rawQuery(store.location, 'PRAGMA journal_mode');
    expect(row?.['journal_mode']).toBe('wal');
  });

  it('keeps namespaces apart: same key, separate values; clearing one leaves the others', async () => {
    const store = await freshStore();
    const ledger = store.ns('ledger');
    const cache = store.ns('cache');
    await ledger.set('k', 'ledger value');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'cache value');
    expect(await ledger.get('k')).toBe('ledger value');
    // A namespace whose name extends another's must not be reached through it either.
    await store.ns('cache-old').set('k', 'old');

    await cache.clear();
    expect(await cache.get('k')).toBeUndefined();
    expect(await ledger.get('k')).toBe('ledger value');
    expect(await store.ns('cache-old').get('k')).toBe('old');
    expect(store.ns('ledger')).toBe(ledger);
  });

  it('sees what was written before, when the same data directory is opened again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-store-'));
    const first = await openStore({ dataDir, sweepIntervalMs: 0 });
    await first.ns('ledger').set('tx-1', { signature: 'sig', amount: 42n });
    await first.close();

    const second = await freshStore(dataDir);
    expect(await second.ns('ledger').get('tx-1')).toEqual({ signature: 'sig', amount: 42n });
  });

  it('lists every live key of a namespace, across pages, skipping expired ones', async () => {
    const store = await freshStore();
    const audit = store.ns('audit');
    const live = Array.from({ length: 620 }, (_, i) => `e${String(i).padStart(4, '0')}`);
    await audit.setMany(live.map((key, i) => ({ key, value: { i: BigInt(i) } })));
    // Expired entries interleaved with live ones: deleting them mid-listing must not skip any live key.
    await audit.setMany(live.filter((_, i) => i % 3 === 0).map((key) => ({ key: `${key}x`, value: 0, ttl: 1 })));
    await store.ns('ledger').set('not-audit', 1);
    await sleep(20);

    expect(await listKeys(audit)).toEqual(live);
    const seen: Array<[string, unknown]> = [];
    for await (const entry of entries(audit)) if (entry[0] === 'e0007') seen.push(entry);
    expect(seen).toEqual([['e0007', { i: 7n }]]);
  });

  it('reports a failed read as an error, never as "not found"', async () => {
    const store = await freshStore();
    const ledger = store.ns('ledger');
    await ledger.set('tx-1', 1);
    await store.close();
    await expect(ledger.get('tx-1')).rejects.toThrow();
    expect(() => store.ns('ledger')).toThrow(/after close/);
  });

  it('rejects namespace names that could reach into another namespace', async () => {
    const store = await freshStore();
    for (const name of ['', 'Ledger', 'a:b', 'a.b', 'a%', '1x']) expect(() => store.ns(name), name).toThrow(StoreError);
  });

  it('says which file it could not open', async () => {
    // A plain file where the data directory should be.
    const notADir = join(mkdtempSync(join(tmpdir(), 'tributary-store-')), 'data');
    writeFileSync(notADir, '');
    await expect(openStore({ dataDir: notADir, sweepIntervalMs: 0 })).rejects.toThrow(`store: cannot open ${join(notADir, SQLITE_FILE)}`);
  });

  it('does not keep the process alive: a program that forgets close() still exits', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-store-'));
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL('../src/store/open.ts', import.meta.url).pathname)});
      const store = await openStore({ dataDir: ${JSON.stringify(dataDir)}, sweepIntervalMs: 50 });
      await store.ns('cache').set('k', 1, 10);
      console.log('opened');
    `;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stdout).toContain('opened');
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('serializer', () => {
  it('keeps strings that look like tags as they were', () => {
    const value = { a: '#bytes:AQID', b: '##', c: '#', d: 'plain' };
    expect(deserialize(serialize({ value }))?.value).toEqual(value);
  });

  it('stores expiry where the sweep can read it in SQL', () => {
    expect(JSON.parse(serialize({ value: 1n, expires: 5 }))).toEqual({ value: '#bigint:1', expires: 5 });
  });
});

describe('openStore (Redis unreachable)', () => {
  it('fails fast, naming the host but not the password', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const err = await openStore({ dataDir: '/unused', redisUrl: `redis://:hunter2@127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(String(err)).toContain(`cannot connect to Redis at redis://***@127.0.0.1:${port}`);
    expect(String(err)).not.toContain('hunter2');
  });
});

// Runs when REDIS_URL names a server to test against (not in the offline suite).
describe.skipIf(!process.env['REDIS_URL'])('openStore (Redis)', () => {
  it('offers the same Store over Redis: bigint, TTL, namespaces', async () => {
    const store = await openStore({ dataDir: '/nonexistent', redisUrl: process.env['REDIS_URL'] ?? null, namespace: `test-${process.pid}` });
    open.push(store);
    expect(store.backend).toBe('redis');
    await store.ns('ledger').set('k', { amount: 5n });
    expect(await store.ns('cache').get('k')).toBeUndefined();
    expect(await store.ns('ledger').get('k')).toEqual({ amount: 5n });
    await store.ns('cache').set('t', 1, 50);
    await sleep(120);
    expect(await store.ns('cache').get('t')).toBeUndefined();
    expect(await listKeys(store.ns('ledger'))).toEqual(['k']);
    await store.ns('ledger').clear();
  });
});
