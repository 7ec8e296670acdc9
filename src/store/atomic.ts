import { serialize, deserialize } from './serialize.js';

/*
 * The few store operations that must be atomic across processes: writing a key only if it is
 * absent, and leases with fencing tokens. Values are written in Keyv's own format (the same
 * serializer, the same key prefixes), so the namespace's Keyv reads what these operations wrote.
 *
 * A lease has a token that only ever grows (on SQLite the lease row is never deleted; on Redis a
 * separate counter key is). A fenced write names a lease and a token and is refused unless that
 * token is the current one and the lease is live: a process that lost its lease, even one that
 * does not know it yet (a long pause, a partition), cannot write again.
 */

/** Who holds a lease: enough for another process to say who runs what. */
export interface LeaseHolder {
  /** Unique per process start. */
  instance: string;
  host: string;
  pid: number;
}

export interface Lease {
  holder: LeaseHolder;
  token: number;
  /** When this holder took it (ms since epoch). */
  since: number;
  /** It lapses at this time unless renewed (ms since epoch). */
  expiresAt: number;
  /** How long its holder keeps it without renewing: how long another process waits after the holder stops. */
  ttlMs: number;
}

export type LeaseAttempt = { acquired: true; lease: Lease } | { acquired: false; lease: Lease };

export interface FencedEntry {
  key: string;
  value: unknown;
  /** Time to live; absent = forever. */
  ttlMs?: number;
}

export interface AtomicOps {
  /** Writes `value` under `key` unless a live value is there; true if it wrote. */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  readLease(key: string): Promise<Lease | null>;
  /**
   * Takes the lease if it is free or lapsed (a new, larger token), or extends it if this instance
   * holds it already (the same token). Otherwise answers with the lease that stands.
   */
  acquireLease(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAttempt>;
  /** Extends a live lease held under `token`; false if it lapsed or was taken. */
  renewLease(key: string, token: number, ttlMs: number): Promise<boolean>;
  /** Lets the lease go now (the token stays used). */
  releaseLease(key: string, token: number): Promise<void>;
  /** Writes every entry, in one atomic step, only while `token` holds the live lease `leaseKey`. */
  fencedSet(leaseKey: string, token: number, entries: readonly FencedEntry[]): Promise<boolean>;
}

type Query = (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;

const CAS_ATTEMPTS = 20;

function stored(value: unknown, ttlMs?: number): string {
  return serialize({ value, expires: ttlMs === undefined ? undefined : Date.now() + ttlMs });
}

function leaseOf(text: unknown): Lease | null {
  if (typeof text !== 'string') return null;
  const data = deserialize<Lease>(text);
  const lease = data?.value;
  return lease && typeof lease.token === 'number' ? lease : null;
}

/** SQLite: every operation is one statement (or a compare-and-set loop of them), atomic across connections. */
export function sqliteAtomic(query: Query, table: string, prefix: string): AtomicOps {
  const k = (key: string) => `${prefix}:${key}`;
  const readRaw = async (key: string): Promise<string | null> => {
    const rows = await query(`SELECT value FROM ${table} WHERE key = ?`, k(key));
    const value = rows[0]?.['value'];
    return typeof value === 'string' ? value : null;
  };
  return {
    async setIfAbsent(key, value, ttlMs) {
      const now = Date.now();
      // An expired row counts as absent (Keyv would read it as absent too).
      const rows = await query(
        `INSERT INTO ${table} (key, value) VALUES (?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value
         WHERE json_valid(${table}.value) AND json_extract(${table}.value, '$.expires') IS NOT NULL AND json_extract(${table}.value, '$.expires') < ?
         RETURNING key`,
        k(key),
        stored(value, ttlMs),
        now,
      );
      return rows.length === 1;
    },
    async readLease(key) {
      return leaseOf(await readRaw(key));
    },
    async acquireLease(key, holder, ttlMs) {
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const raw = await readRaw(key);
        const current = leaseOf(raw);
        const now = Date.now();
        if (current && current.expiresAt >= now && current.holder.instance !== holder.instance) return { acquired: false, lease: current };
        const mine = current !== null && current.expiresAt >= now;
        const lease: Lease = mine ? { ...current, expiresAt: now + ttlMs, ttlMs } : { holder, token: (current?.token ?? 0) + 1, since: now, expiresAt: now + ttlMs, ttlMs };
        const rows =
          raw === null
            ? await query(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING RETURNING key`, k(key), stored(lease))
            : await query(`UPDATE ${table} SET value = ? WHERE key = ? AND value = ? RETURNING key`, stored(lease), k(key), raw);
        if (rows.length === 1) return { acquired: true, lease };
      }
      throw new Error(`lease ${key}: compare-and-set lost ${CAS_ATTEMPTS} times in a row`);
    },
    async renewLease(key, token, ttlMs) {
      const now = Date.now();
      const rows = await query(
        `UPDATE ${table} SET value = json_set(value, '$.value.expiresAt', ?)
         WHERE key = ? AND json_extract(value, '$.value.token') = ? AND json_extract(value, '$.value.expiresAt') >= ?
         RETURNING key`,
        now + ttlMs,
        k(key),
        token,
        now,
      );
      return rows.length === 1;
    },
    async releaseLease(key, token) {
      await query(`UPDATE ${table} SET value = json_set(value, '$.value.expiresAt', 0) WHERE key = ? AND json_extract(value, '$.value.token') = ?`, k(key), token);
    },
    async fencedSet(leaseKey, token, entries) {
      if (entries.length === 0) return true;
      const values = entries.map(() => '(?, ?)').join(', ');
      const params = entries.flatMap((e) => [k(e.key), stored(e.value, e.ttlMs)]);
      // One statement: the check of the lease and the writes commit together or not at all.
      const rows = await query(
        `INSERT INTO ${table} (key, value)
         SELECT column1, column2 FROM (VALUES ${values})
         WHERE EXISTS (SELECT 1 FROM ${table} WHERE key = ? AND json_extract(value, '$.value.token') = ? AND json_extract(value, '$.value.expiresAt') >= ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value
         RETURNING key`,
        ...params,
        k(leaseKey),
        token,
        Date.now(),
      );
      return rows.length === entries.length;
    },
  };
}

/** The part of a node-redis client these operations use. */
export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  set(key: string, value: string, options?: { NX?: boolean; PX?: number }): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

// The lease lives under its key with a PX expiry; "<key>:seq" counts tokens and never expires.
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if cur then
  local data = cjson.decode(cur)
  if data.value.holder.instance ~= ARGV[1] then return {0, cur} end
  data.value.expiresAt = now + ttl
  data.value.ttlMs = ttl
  local text = cjson.encode(data)
  redis.call('SET', KEYS[1], text, 'PX', ttl)
  return {1, text}
end
local token = redis.call('INCR', KEYS[2])
local text = cjson.encode({ value = { holder = cjson.decode(ARGV[4]), token = token, since = now, expiresAt = now + ttl, ttlMs = ttl } })
redis.call('SET', KEYS[1], text, 'PX', ttl)
return {1, text}
`;

const RENEW = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local data = cjson.decode(cur)
if data.value.token ~= tonumber(ARGV[1]) then return 0 end
local ttl = tonumber(ARGV[2])
data.value.expiresAt = tonumber(ARGV[3]) + ttl
redis.call('SET', KEYS[1], cjson.encode(data), 'PX', ttl)
return 1
`;

const RELEASE = `
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur).value.token == tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 1
`;

// KEYS[1] the lease, KEYS[2..] the entries; ARGV[1] the token, then a value and a ttl (0 = none) per entry.
const FENCED_SET = `
local cur = redis.call('GET', KEYS[1])
if not cur or cjson.decode(cur).value.token ~= tonumber(ARGV[1]) then return 0 end
for i = 2, #KEYS do
  local ttl = tonumber(ARGV[2 * i - 1])
  if ttl > 0 then redis.call('SET', KEYS[i], ARGV[2 * i - 2], 'PX', ttl) else redis.call('SET', KEYS[i], ARGV[2 * i - 2]) end
end
return 1
`;

/** Redis: each operation is one command or one Lua script, so it is atomic on the server. */
export function redisAtomic(client: RedisEval, prefix: string): AtomicOps {
  const k = (key: string) => `${prefix}::${key}`;
  return {
    async setIfAbsent(key, value, ttlMs) {
      const res = await client.set(k(key), stored(value, ttlMs), ttlMs ? { NX: true, PX: ttlMs } : { NX: true });
      return res === 'OK';
    },
    async readLease(key) {
      return leaseOf(await client.get(k(key)));
    },
    async acquireLease(key, holder, ttlMs) {
      const [ok, text] = (await client.eval(ACQUIRE, {
        keys: [k(key), `${k(key)}:seq`],
        arguments: [holder.instance, String(ttlMs), String(Date.now()), JSON.stringify(holder)],
      })) as [number, string];
      const lease = leaseOf(text);
      if (!lease) throw new Error(`lease ${key}: unreadable answer from Redis`);
      return ok === 1 ? { acquired: true, lease } : { acquired: false, lease };
    },
    async renewLease(key, token, ttlMs) {
      return (await client.eval(RENEW, { keys: [k(key)], arguments: [String(token), String(ttlMs), String(Date.now())] })) === 1;
    },
    async releaseLease(key, token) {
      await client.eval(RELEASE, { keys: [k(key)], arguments: [String(token)] });
    },
    async fencedSet(leaseKey, token, entries) {
      if (entries.length === 0) return true;
      const args = [String(token)];
      for (const e of entries) args.push(stored(e.value, e.ttlMs), String(e.ttlMs ?? 0));
      return (await client.eval(FENCED_SET, { keys: [k(leaseKey), ...entries.map((e) => k(e.key))], arguments: args })) === 1;
    },
  };
}
