import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Keyv } from 'keyv';
import { KeyvSqlite } from '@keyv/sqlite';
import KeyvRedis, { createClient } from '@keyv/redis';
import { maskUrl } from '../log/redact.js';
import { redisAtomic, sqliteAtomic, type AtomicOps, type RedisEval } from './atomic.js';
import { StoreError } from './errors.js';
import { NamespaceView, type NamespaceOps } from './namespace-view.js';
import { checkRedisDurability, SQLITE_DURABILITY, type StoreDurability } from './redis-durability.js';
import { deserialize, serialize } from './serialize.js';

/*
 * The one place the store is opened. Every part of the program that keeps state asks the Store for
 * a namespace (ledger, cache, audit, wallets, alerts, metrics...) and gets a plain Keyv; they all
 * share one SQLite connection, or one Redis client.
 */

export interface OpenStoreOptions {
  /** Directory of `tributary.sqlite`; created if missing. Unused with Redis. */
  dataDir: string;
  /** Redis URL; when set, Redis is used instead of SQLite. Default null. */
  redisUrl?: string | null;
  /** Prefix of every namespace, to keep several deployments apart in one Redis. Default "tributary". */
  namespace?: string;
  /** How often expired entries are deleted; 0 turns the sweep off. Default 60000 ms. */
  sweepIntervalMs?: number;
  /** How long a write waits for another SQLite connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Told about a failed background sweep (the next one tries again). Default: ignored. */
  onError?: (err: unknown) => void;
}

export interface Store {
  readonly backend: 'sqlite' | 'redis';
  /** The SQLite file, or the Redis URL without credentials: safe to log. */
  readonly location: string;
  /**
   * Whether an acknowledged write survives a crash or restart of the backend and is never evicted,
   * read when the store was opened. SQLite (WAL, synchronous=FULL) always is; Redis only with
   * AOF fsynced on every write and maxmemory-policy noeviction. Money must not move when false.
   */
  readonly durability: StoreDurability;
  /** The Keyv of one namespace; the same instance for the same name. Names are [a-z0-9-]. */
  ns(name: string): Keyv;
  /** Atomic operations (write-if-absent, leases, fenced writes) on the keys of namespace `name`. */
  atomic(name: string): AtomicOps;
  /** Delete expired entries now; resolves to how many went (Redis expires its own: 0). */
  sweepExpired(): Promise<number>;
  /** Stop the sweep and close the connection. Idempotent. */
  close(): Promise<void>;
}

const NAME = /^[a-z][a-z0-9-]*$/;

export const SQLITE_FILE = 'tributary.sqlite';
const TABLE = 'keyv';
const PAGE = 500;

interface Backend {
  kind: Store['backend'];
  location: string;
  durability: StoreDurability;
  view(fullName: string): NamespaceView;
  atomic(fullName: string): AtomicOps;
  /** Keyv adds `<namespace>:` to keys itself (SQLite), or the adapter does (Redis). */
  keyvPrefixes: boolean;
  sweep(root: string): Promise<number>;
  close(): Promise<void>;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const root = opts.namespace ?? 'tributary';
  checkName(root, 'namespace');
  const backend = opts.redisUrl !== undefined && opts.redisUrl !== null ? await openRedis(opts.redisUrl) : await openSqlite(opts.dataDir, opts.busyTimeoutMs ?? 5_000);

  const namespaces = new Map<string, Keyv>();
  let closed = false;
  let sweeping: Promise<number> | null = null;

  const sweepExpired = (): Promise<number> => {
    if (closed) return Promise.reject(new StoreError('STORE_CLOSED', 'sweepExpired() after close()'));
    sweeping ??= backend.sweep(root).finally(() => {
      sweeping = null;
    });
    return sweeping;
  };

  const interval = opts.sweepIntervalMs ?? 60_000;
  // Expired rows are otherwise deleted only when read again (docs/solana-rpc-behaviour.md), and a cache of snapshots
  // grows without bound. unref: the sweep never keeps the process alive on its own.
  const timer =
    interval > 0
      ? setInterval(() => {
          sweepExpired().catch((err: unknown) => opts.onError?.(err));
        }, interval).unref()
      : null;

  return {
    backend: backend.kind,
    location: backend.location,
    durability: backend.durability,
    ns(name: string): Keyv {
      if (closed) throw new StoreError('STORE_CLOSED', `ns("${name}") after close()`);
      checkName(name, 'namespace name');
      let keyv = namespaces.get(name);
      if (keyv === undefined) {
        const fullName = `${root}.${name}`;
        keyv = new Keyv(backend.view(fullName), {
          namespace: fullName,
          useKeyPrefix: backend.keyvPrefixes,
          serialize,
          deserialize,
          // Keyv's default turns a failed read into "not found": a ledger must never believe that.
          throwOnErrors: true,
        });
        namespaces.set(name, keyv);
      }
      return keyv;
    },
    atomic(name: string): AtomicOps {
      if (closed) throw new StoreError('STORE_CLOSED', `atomic("${name}") after close()`);
      checkName(name, 'namespace name');
      return backend.atomic(`${root}.${name}`);
    },
    sweepExpired,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== null) clearInterval(timer);
      await sweeping?.catch(() => undefined);
      await backend.close();
    },
  };
}

function checkName(name: string, what: string): void {
  if (!NAME.test(name)) {
    throw new StoreError('STORE_BAD_NAMESPACE', `${what} "${name}" must be lower-case letters, digits and "-", starting with a letter`);
  }
}

/** Keys of a namespace lie in [`<ns>:`, `<ns>;`): ";" follows ":" in every collation SQLite uses for TEXT. */
function keyRange(fullName: string): [string, string] {
  return [`${fullName}:`, `${fullName};`];
}

async function openSqlite(dataDir: string, busyTimeoutMs: number): Promise<Backend> {
  const dir = resolve(dataDir);
  const file = resolve(dir, SQLITE_FILE);
  let adapter: KeyvSqlite;
  try {
    mkdirSync(dir, { recursive: true });
    adapter = new KeyvSqlite({ uri: `sqlite://${file}`, table: TABLE, busyTimeout: busyTimeoutMs });
    // The adapter also emits what its queries reject with; an 'error' event nobody hears would crash.
    adapter.on('error', () => undefined);
    // WAL: readers do not block the writer, and a commit is one append. synchronous=FULL: the
    // ledger writes a transaction before broadcasting it, and that write must survive a power cut.
    const [mode] = (await adapter.query('PRAGMA journal_mode=WAL')) as Array<{ journal_mode?: string }>;
    if (mode?.journal_mode !== 'wal') {
      throw new Error(`SQLite kept journal_mode=${String(mode?.journal_mode)} instead of WAL (is ${dir} on a network file system?)`);
    }
    await adapter.query('PRAGMA synchronous=FULL');
  } catch (err) {
    throw new StoreError('STORE_OPEN_FAILED', `cannot open ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const query = adapter.query.bind(adapter) as (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;

  return {
    kind: 'sqlite',
    location: file,
    durability: SQLITE_DURABILITY,
    keyvPrefixes: true,
    atomic: (fullName) => sqliteAtomic(query, TABLE, fullName),
    view(fullName) {
      const [from, to] = keyRange(fullName);
      const ops: NamespaceOps = {
        async clear() {
          await query(`DELETE FROM ${TABLE} WHERE key >= ? AND key < ?`, from, to);
        },
        // Keyset pages, not the adapter's LIMIT/OFFSET: Keyv deletes expired entries while it
        // iterates, and with offsets every deletion would make the next page skip a live entry.
        async *iterator() {
          let after: string | null = null;
          for (;;) {
            const rows: Array<Record<string, unknown>> =
              after === null
                ? await query(`SELECT key, value FROM ${TABLE} WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`, from, to, PAGE)
                : await query(`SELECT key, value FROM ${TABLE} WHERE key > ? AND key < ? ORDER BY key LIMIT ?`, after, to, PAGE);
            for (const row of rows) yield [String(row['key']), row['value']];
            const last = rows.at(-1);
            if (rows.length < PAGE || last === undefined) return;
            after = String(last['key']);
          }
        },
      };
      return new NamespaceView(adapter, ops);
    },
    async sweep(root) {
      // Rows are our own JSON (serialize.ts), so expiry can be read without loading them.
      const gone = await query(
        `DELETE FROM ${TABLE} WHERE key >= ? AND key < ? AND json_valid(value) AND json_extract(value, '$.expires') < ? RETURNING key`,
        `${root}.`,
        `${root}/`,
        Date.now(),
      );
      return gone.length;
    },
    async close() {
      await adapter.disconnect();
    },
  };
}

async function openRedis(url: string): Promise<Backend> {
  const location = maskUrl(url);
  let started = false;
  const client = createClient({
    url,
    // While disconnected, a command fails at once instead of waiting in a queue for as long as the outage lasts.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      // At start, give up after a few tries so a wrong URL fails openStore; once running, keep
      // reconnecting through an outage (operations fail meanwhile, and say so).
      reconnectStrategy: (retries: number) => (!started && retries >= 3 ? new Error(`no answer after ${retries} retries`) : Math.min(100 * 2 ** retries, 2_000)),
    },
  });
  // node-redis reports a lost connection as an 'error' event; unheard, it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    started = true;
  } catch (err) {
    // Giving up in reconnectStrategy has usually closed the client already.
    if (client.isOpen) client.destroy();
    throw new StoreError('STORE_OPEN_FAILED', `cannot connect to Redis at ${location}: ${err instanceof Error ? maskUrl(err.message) : 'no answer'}`, { cause: err });
  }
  // Redis acknowledges writes from memory: whether they survive a restart depends on its settings.
  const durability = await checkRedisDurability(client);
  return {
    kind: 'redis',
    location,
    durability,
    keyvPrefixes: false,
    atomic: (fullName) => redisAtomic(client as unknown as RedisEval, fullName),
    view(fullName) {
      // One adapter per namespace over the shared client: the Redis adapter prefixes keys with
      // its own namespace, and its clear() and iterator() stay within it.
      const adapter = new KeyvRedis(client, { namespace: fullName, throwOnErrors: true, throwOnConnectError: true });
      return new NamespaceView(adapter, {
        clear: () => adapter.clear(),
        iterator: () => adapter.iterator(fullName) as AsyncGenerator<[string, unknown], void>,
      });
    },
    // Values are written with PX, so Redis drops them itself.
    async sweep() {
      return 0;
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
