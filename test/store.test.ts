import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@keyv/redis';
import sqlite3 from 'sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deserialize, entries, listKeys, openStore, serialize, SQLITE_FILE, StoreError, type OpenStoreOptions, type Store } from '../src/store/index.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { say, type Message } from '../src/i18n/index.js';

/** Starting Redis may first install it (apt-get, as root): allow for that. */
const START_REDIS_TIMEOUT_MS = 600_000;

const open: Store[] = [];
async function track(opening: Promise<Store>): Promise<Store> {
  const store = await opening;
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

async function connectRaw(url: string) {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Runs `fn` with a plain client of its own on a Redis server: what is really there, not what the store says. */
async function withRawRedis<T>(url: string, fn: (client: Awaited<ReturnType<typeof connectRaw>>) => Promise<T>): Promise<T> {
  const client = await connectRaw(url);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

let places = 0;

/*
 * The same behaviour on both backends. Each test opens its stores over a place of its own: a new
 * data directory, or a new root namespace on this file's redis-server (durable settings).
 */
describe.each([{ name: 'SQLite' as const }, { name: 'Redis' as const }])('openStore ($name)', ({ name }) => {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    if (name === 'Redis') server = await startRedis();
  }, START_REDIS_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  function place(): OpenStoreOptions {
    if (name === 'SQLite') return { dataDir: mkdtempSync(join(tmpdir(), 'tributary-store-')), sweepIntervalMs: 0 };
    return { dataDir: '/nonexistent', redisUrl: server?.url ?? null, namespace: `t${process.pid}-${++places}`, sweepIntervalMs: 0 };
  }
  const freshStore = (where: OpenStoreOptions = place()): Promise<Store> => track(openStore(where));

  /** Every key the backend holds for this store, as it is stored. */
  async function rawKeys(store: Store, where: OpenStoreOptions): Promise<string[]> {
    if (name === 'SQLite') return (await rawQuery(store.location, 'SELECT key FROM keyv ORDER BY key')).map((row) => String(row['key']));
    return withRawRedis(server?.url ?? '', async (client) => (await client.keys(`${where.namespace ?? 'tributary'}.*`)).sort());
  }

  it('says which backend it is and that acknowledged writes are durable', async () => {
    const store = await freshStore();
    expect(store.backend).toBe(name === 'SQLite' ? 'sqlite' : 'redis');
    expect(store.durability).toEqual({ durable: true, problems: [] });
  });

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

  it('drops expired entries that nobody reads again, and keeps live ones', async () => {
    const where = place();
    const store = await freshStore(where);
    const cache = store.ns('cache');
    await cache.set('old-1', 1, 20);
    await cache.set('old-2', 2, 20);
    await cache.set('fresh', 3, 60_000);
    await store.ns('ledger').set('forever', 4);
    await sleep(60);
    // SQLite deletes them in the sweep; Redis has expired them itself.
    expect(await store.sweepExpired()).toBe(name === 'SQLite' ? 2 : 0);
    const root = where.namespace ?? 'tributary';
    expect(await rawKeys(store, where)).toEqual(name === 'SQLite' ? [`${root}.cache:fresh`, `${root}.ledger:forever`] : [`${root}.cache::fresh`, `${root}.ledger::forever`]);
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

  it('keeps deployments with different root namespaces apart', async () => {
    const a = place();
    const b = { ...a, namespace: `${a.namespace ?? 'tributary'}-b` };
    const first = await freshStore(a);
    const second = await freshStore(b);
    await first.ns('ledger').set('k', 'first');
    expect(await second.ns('ledger').get('k')).toBeUndefined();
    await second.ns('ledger').clear();
    expect(await first.ns('ledger').get('k')).toBe('first');
  });

  it('sees what was written before, when the same place is opened again', async () => {
    const where = place();
    const first = await openStore(where);
    await first.ns('ledger').set('tx-1', { signature: 'sig', amount: 42n });
    await first.close();

    const second = await freshStore(where);
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

    expect((await listKeys(audit)).sort()).toEqual(live);
    const seen: Array<[string, unknown]> = [];
    for await (const entry of entries(audit)) if (entry[0] === 'e0007') seen.push(entry);
    expect(seen).toEqual([['e0007', { i: 7n }]]);
  });

  it('reports a failed read as an error, never as "not found"', async () => {
    if (name === 'SQLite') {
      const store = await freshStore();
      const ledger = store.ns('ledger');
      await ledger.set('tx-1', 1);
      await store.close();
      await expect(ledger.get('tx-1')).rejects.toThrow();
    } else {
      // A Redis outage: the read fails at once, instead of waiting for the server to come back.
      const gone = await startRedis();
      const store = await track(openStore({ dataDir: '/nonexistent', redisUrl: gone.url, sweepIntervalMs: 0 }));
      const ledger = store.ns('ledger');
      await ledger.set('tx-1', 1);
      await gone.stop();
      await expect(ledger.get('tx-1')).rejects.toThrow(/offline|closed|connect/i);
    }
  });

  it('refuses ns() after close()', async () => {
    const store = await freshStore();
    await store.close();
    expect(() => store.ns('ledger')).toThrow(/after close/);
  });

  it('rejects namespace names that could reach into another namespace', async () => {
    const store = await freshStore();
    for (const bad of ['', 'Ledger', 'a:b', 'a.b', 'a%', '1x']) expect(() => store.ns(bad), bad).toThrow(StoreError);
  });
});

describe('openStore (SQLite only)', () => {
  it('runs SQLite in WAL mode, as another connection to the file sees', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-store-'));
    const store = await track(openStore({ dataDir, sweepIntervalMs: 0 }));
    expect(store.location).toBe(join(dataDir, SQLITE_FILE));
    const [row] = await rawQuery(store.location, 'PRAGMA journal_mode');
    expect(row?.['journal_mode']).toBe('wal');
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

describe('openStore (Redis durability)', () => {
  const servers: RedisServer[] = [];
  const start = async (opts?: Parameters<typeof startRedis>[0]): Promise<RedisServer> => {
    const server = await startRedis(opts);
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  const openOn = (url: string): Promise<Store> => track(openStore({ dataDir: '/nonexistent', redisUrl: url, sweepIntervalMs: 0 }));

  it('is not durable on a default redis-server with an evicting policy, and names each setting to change', async () => {
    const server = await start({ durable: false, maxmemoryPolicy: 'allkeys-lru' });
    const store = await openOn(server.url);
    expect(store.durability.durable).toBe(false);
    expect(store.durability.problems.map((p) => say('en', p))).toEqual([
      'appendonly is no; set "appendonly yes"',
      'appendfsync is everysec; set "appendfsync always"',
      'maxmemory-policy is allkeys-lru; set "maxmemory-policy noeviction"',
    ]);
    // Still a working store: the verdict is for the engine to act on.
    await store.ns('ledger').set('k', 1n);
    expect(await store.ns('ledger').get('k')).toBe(1n);
  });

  it(
    'names a single wrong setting, such as fsync once a second',
    async () => {
      const server = await start();
      await withRawRedis(server.url, (client) => client.configSet('appendfsync', 'everysec'));
      const store = await openOn(server.url);
      expect(store.durability.durable).toBe(false);
      expect(store.durability.problems.map((p) => say('en', p))).toEqual(['appendfsync is everysec; set "appendfsync always"']);
    },
    START_REDIS_TIMEOUT_MS,
  );

  it('is not durable when CONFIG is refused (as on managed Redis), and says what to check', async () => {
    const server = await start();
    await withRawRedis(server.url, (client) => client.sendCommand(['ACL', 'SETUSER', 'tenant', 'on', '>secret', '~*', '&*', '+@all', '-config']));
    const store = await openOn(server.url.replace('redis://', 'redis://tenant:secret@'));
    expect(store.durability.durable).toBe(false);
    expect(store.durability.problems).toHaveLength(1);
    const said = say('en', store.durability.problems[0] as Message);
    expect(said).toMatch(/^durability could not be verified: CONFIG GET failed \(NOPERM/);
    for (const setting of ['"appendonly yes"', '"appendfsync always"', '"maxmemory-policy noeviction"']) expect(said).toContain(setting);
  });

  it('keeps a write it acknowledged when redis-server is killed (SIGKILL) and started again', async () => {
    const server = await start();
    const store = await openOn(server.url);
    await store.ns('ledger').set('tx-1', { signature: 'sig', amount: 42n });
    await server.restart({ signal: 'SIGKILL' });
    expect(await (await openOn(server.url)).ns('ledger').get('tx-1')).toEqual({ signature: 'sig', amount: 42n });
    // The store that was open reconnects by itself (its reads fail until it has).
    await expect
      .poll(
        () =>
          store
            .ns('ledger')
            .get('tx-1')
            .catch((err: unknown) => String(err)),
        { timeout: 10_000, interval: 100 },
      )
      .toEqual({ signature: 'sig', amount: 42n });
  });

  it('loses that write on a non-durable server killed the same way, which is why the verdict matters', async () => {
    const server = await start({ durable: false });
    const store = await openOn(server.url);
    expect(store.durability.durable).toBe(false);
    await store.ns('ledger').set('tx-1', { signature: 'sig', amount: 42n });
    await server.restart({ signal: 'SIGKILL' });
    expect(await (await openOn(server.url)).ns('ledger').get('tx-1')).toBeUndefined();
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
