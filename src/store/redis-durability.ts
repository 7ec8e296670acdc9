/*
 * Whether a Redis server keeps what it acknowledged. Redis answers a SET from memory: with its
 * default settings (no AOF, or AOF fsynced once a second) a crash or restart loses recent writes,
 * and a maxmemory policy other than noeviction may delete keys to make room. The ledger writes
 * every signed transaction before broadcasting it, so a lost write can mean paying twice.
 *
 * The verdict is read once, when the store is opened, from CONFIG GET. Replicas are not accepted
 * instead: replication is asynchronous, and a failover can lose writes that WAIT did not cover.
 */

import { msg, type Message } from '../i18n/message.js';

export interface StoreDurability {
  /** True only when every acknowledged write survives a restart of the server and no key is evicted. */
  readonly durable: boolean;
  /**
   * One per setting that is wrong or could not be read, naming the value to set, as a Message: the
   * engine refuses distributions with them, and the chat words them. Empty when durable.
   */
  readonly problems: readonly Message[];
}

/** The part of a node-redis client the check uses. */
export interface RedisCommandClient {
  sendCommand(args: ReadonlyArray<string>): Promise<unknown>;
}

interface Requirement {
  name: string;
  want: string;
}

/** What the ledger needs, in the order problems are reported. */
export const REDIS_REQUIREMENTS: readonly Requirement[] = [
  // Every write goes to the append-only file...
  { name: 'appendonly', want: 'yes' },
  // ...which is fsynced before the reply (everysec acknowledges up to a second that a power cut loses)...
  { name: 'appendfsync', want: 'always' },
  // ...also while the AOF is being rewritten ("yes" skips fsync then).
  { name: 'no-appendfsync-on-rewrite', want: 'no' },
  // A full server refuses writes instead of deleting keys.
  { name: 'maxmemory-policy', want: 'noeviction' },
];

export const SQLITE_DURABILITY: StoreDurability = Object.freeze({ durable: true, problems: Object.freeze([]) });

const CHECK_TIMEOUT_MS = 5_000;

/** Reads the persistence and eviction settings of the server; never throws. */
export async function checkRedisDurability(client: RedisCommandClient, timeoutMs = CHECK_TIMEOUT_MS): Promise<StoreDurability> {
  let values: Array<string | undefined>;
  try {
    values = await withTimeout(Promise.all(REDIS_REQUIREMENTS.map(async ({ name }) => configValue(await client.sendCommand(['CONFIG', 'GET', name]), name))), timeoutMs);
  } catch (err) {
    // Managed services often rename CONFIG or deny it by ACL.
    const why = err instanceof Error ? err.message : String(err);
    return verdict([msg('storeDurability.unverified', { error: why, settings: wanted() })]);
  }
  const problems: Message[] = [];
  REDIS_REQUIREMENTS.forEach(({ name, want }, i) => {
    const value = values[i];
    if (value === undefined) {
      problems.push(msg('storeDurability.unread', { name, want }));
    } else if (value.toLowerCase() !== want) {
      problems.push(msg('storeDurability.wrong', { name, value: value === '' ? '""' : value, want }));
    }
  });
  return verdict(problems);
}

function verdict(problems: Message[]): StoreDurability {
  return Object.freeze({ durable: problems.length === 0, problems: Object.freeze(problems) });
}

function wanted(): string {
  return REDIS_REQUIREMENTS.map(({ name, want }) => `"${name} ${want}"`).join(', ');
}

/** CONFIG GET answers [name, value] in RESP2 and a map in RESP3. */
function configValue(reply: unknown, name: string): string | undefined {
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined);
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (text(reply[i])?.toLowerCase() === name) return text(reply[i + 1]);
    return undefined;
  }
  if (reply instanceof Map) {
    for (const [k, v] of reply) if (text(k)?.toLowerCase() === name) return text(v);
    return undefined;
  }
  if (typeof reply === 'object' && reply !== null) return text((reply as Record<string, unknown>)[name]);
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
