import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/index.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

/** Starting Redis may first install it (apt-get, as root): allow for that. */
const START_REDIS_TIMEOUT_MS = 600_000;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
}, START_REDIS_TIMEOUT_MS);
afterAll(async () => redis?.stop());

const backends = [
  { name: 'SQLite', open: () => openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-atomic-')), sweepIntervalMs: 0 }) },
  { name: 'Redis', open: () => openStore({ dataDir: '', redisUrl: redis.url, namespace: `t${Math.random().toString(36).slice(2, 10)}`, sweepIntervalMs: 0 }) },
];

const a = { instance: 'process-a', host: 'host-a', pid: 11 };
const b = { instance: 'process-b', host: 'host-b', pid: 22 };

describe.each(backends)('atomic store operations on $name', ({ open }) => {
  let stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });
  /** Two connections to one store, as two processes have. */
  async function twoProcesses(): Promise<[Store, Store]> {
    const first = await open();
    const second = first.backend === 'sqlite' ? await openStore({ dataDir: first.location.replace(/\/[^/]+$/, ''), sweepIntervalMs: 0 }) : first;
    stores.push(first);
    if (second !== first) stores.push(second);
    return [first, second];
  }

  it('writes a key only if it is absent, and Keyv reads what it wrote', async () => {
    const [s] = await twoProcesses();
    const ops = s.atomic('ledger');
    expect(await ops.setIfAbsent('plan:x', { total: 5n })).toBe(true);
    expect(await ops.setIfAbsent('plan:x', { total: 9n })).toBe(false);
    expect(await s.ns('ledger').get('plan:x')).toEqual({ total: 5n });
  });

  it('lets one of two processes hold a lease; the other learns who holds it', async () => {
    const [p1, p2] = await twoProcesses();
    const [r1, r2] = await Promise.all([p1.atomic('ledger').acquireLease('lease:d', a, 10_000), p2.atomic('ledger').acquireLease('lease:d', b, 10_000)]);
    expect([r1.acquired, r2.acquired].filter(Boolean)).toHaveLength(1);
    const loser = r1.acquired ? r2 : r1;
    const winner = r1.acquired ? a : b;
    expect(loser.lease.holder).toEqual(winner);
  });

  it('refuses a fenced write once the lease lapsed and was taken over, with a larger token', async () => {
    const [p1, p2] = await twoProcesses();
    const first = await p1.atomic('ledger').acquireLease('lease:d', a, 300);
    expect(await p1.atomic('ledger').fencedSet('lease:d', first.lease.token, [{ key: 'tx:d:0', value: { by: 'a' } }])).toBe(true);
    await sleep(400);
    expect(await p1.atomic('ledger').renewLease('lease:d', first.lease.token, 300)).toBe(false);
    const second = await p2.atomic('ledger').acquireLease('lease:d', b, 10_000);
    expect(second.acquired).toBe(true);
    expect(second.lease.token).toBeGreaterThan(first.lease.token);
    expect(await p1.atomic('ledger').fencedSet('lease:d', first.lease.token, [{ key: 'tx:d:1', value: { by: 'a' } }])).toBe(false);
    expect(await p2.atomic('ledger').fencedSet('lease:d', second.lease.token, [{ key: 'tx:d:1', value: { by: 'b' } }])).toBe(true);
    expect(await p1.ns('ledger').get('tx:d:1')).toEqual({ by: 'b' });
  });

  it('writes all entries of a fenced write or none', async () => {
    const [s] = await twoProcesses();
    const ops = s.atomic('ledger');
    const { lease } = await ops.acquireLease('lease:d', a, 10_000);
    expect(
      await ops.fencedSet('lease:d', lease.token + 1, [
        { key: 'x', value: 1 },
        { key: 'y', value: 2 },
      ]),
    ).toBe(false);
    expect([await s.ns('ledger').get('x'), await s.ns('ledger').get('y')]).toEqual([undefined, undefined]);
    expect(
      await ops.fencedSet('lease:d', lease.token, [
        { key: 'x', value: 1 },
        { key: 'y', value: 2 },
      ]),
    ).toBe(true);
    expect([await s.ns('ledger').get('x'), await s.ns('ledger').get('y')]).toEqual([1, 2]);
  });

  it('keeps tokens growing after a release, so an old holder can never write again', async () => {
    const [s] = await twoProcesses();
    const ops = s.atomic('ledger');
    const first = await ops.acquireLease('lease:d', a, 10_000);
    await ops.releaseLease('lease:d', first.lease.token);
    const again = await ops.acquireLease('lease:d', a, 10_000);
    expect(again.lease.token).toBeGreaterThan(first.lease.token);
    expect(await ops.fencedSet('lease:d', first.lease.token, [{ key: 'z', value: 1 }])).toBe(false);
  });
});
