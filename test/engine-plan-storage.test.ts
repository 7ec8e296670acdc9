import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { base58 } from '../src/engine/holder-table.js';
import { Ledger, ledgerOf, PLAN_CHUNK_RECIPIENTS, planChunkKey, type DistributionRecord, type Fence, type Plan } from '../src/engine/ledger.js';
import { RecipientTable } from '../src/engine/recipient-table.js';
import { listKeys } from '../src/store/iterate.js';
import { openStore, type OpenStoreOptions, type Store } from '../src/store/index.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

const U64_MAX = (1n << 64n) - 1n;

/** A plan of `count` recipients with random owners and amounts, the largest u64 among them. */
function plan(id: string, count: number): Plan {
  const recipients = RecipientTable.empty(count);
  const owners = randomBytes(count * 32);
  for (let i = 0; i < count; i++) {
    const amount = i === 0 ? U64_MAX : randomBytes(8).readBigUInt64LE(0) >> BigInt(i % 64);
    recipients.set(i, owners.subarray(i * 32, (i + 1) * 32), amount, i === 1 ? U64_MAX : BigInt(i), i % 7 === 0, i % 3 === 0);
  }
  return {
    id,
    network: 'localnet',
    baseMint: 'So11111111111111111111111111111111111111112',
    snapshotSlot: 7,
    reward: { kind: 'sol', decimals: 9, symbol: 'SOL' },
    mode: 'proportional',
    total: 123_456_789n,
    recipients,
    estimatedFeeLamports: 5_000n,
    estimatedRentLamports: 0n,
    reserveLamports: 900_000n,
    createdBy: { platform: 'test', userId: 'u' },
    createdAt: 1,
    expiresAt: 2,
  };
}

const previewed = (p: Plan): DistributionRecord => ({ id: p.id, state: 'previewed', createdBy: p.createdBy, createdAt: p.createdAt, round: 0 });

function expectSamePlan(read: Plan | undefined, written: Plan): void {
  expect(read).toBeDefined();
  const { recipients, ...header } = read as Plan;
  const { recipients: want, ...wantHeader } = written;
  expect(header).toEqual(wantHeader);
  expect(recipients.length).toBe(want.length);
  // Column for column: every byte of every recipient.
  expect(Buffer.from(recipients.owners).equals(Buffer.from(want.owners))).toBe(true);
  expect(recipients.amounts).toEqual(want.amounts);
  expect(recipients.holdings).toEqual(want.holdings);
  expect(recipients.flags).toEqual(want.flags);
}

describe.each([{ name: 'SQLite' as const }, { name: 'Redis' as const }])('plans in the ledger ($name)', ({ name }) => {
  let server: RedisServer | undefined;
  let places = 0;
  const open: Store[] = [];
  beforeAll(async () => {
    if (name === 'Redis') server = await startRedis();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function fresh(): Promise<{ store: Store; ledger: Ledger; where: OpenStoreOptions }> {
    const where: OpenStoreOptions =
      name === 'SQLite'
        ? { dataDir: mkdtempSync(join(tmpdir(), 'tributary-plans-')), sweepIntervalMs: 0 }
        : { dataDir: '/nonexistent', redisUrl: server?.url ?? null, namespace: `p${process.pid}-${++places}`, sweepIntervalMs: 0 };
    const store = await openStore(where);
    open.push(store);
    return { store, ledger: ledgerOf(store), where };
  }

  async function lease(ledger: Ledger, id: string): Promise<Fence> {
    const taken = await ledger.acquireLease(id, { instance: 'a', host: 'h', pid: 1 }, 60_000);
    return { distributionId: id, token: taken.lease.token };
  }

  /** The plan's keys in the ledger namespace: its header and its chunks. */
  async function planKeys(store: Store, id: string): Promise<string[]> {
    return (await listKeys(store.ns('ledger'))).filter((k) => k === `plan:${id}` || k.startsWith(`plan:${id}:`)).sort();
  }

  it('reads a plan of several chunks back exactly as written, every recipient and every header field', async () => {
    const { store, ledger } = await fresh();
    const p = plan('multi', 2 * PLAN_CHUNK_RECIPIENTS + 5);
    expect(await ledger.createPlan(p, previewed(p), 60_000)).toBe(true);
    expect(await planKeys(store, 'multi')).toEqual(['plan:multi', planChunkKey('multi', 0), planChunkKey('multi', 1), planChunkKey('multi', 2)].sort());
    expectSamePlan(await ledger.getPlan('multi'), p);
    const one = (await ledger.getPlan('multi'))?.recipients.get(PLAN_CHUNK_RECIPIENTS + 1);
    expect(one?.owner).toBe(base58(p.recipients.ownerBytes(PLAN_CHUNK_RECIPIENTS + 1)));
    expect(await ledger.getPlanSummary('multi')).toMatchObject({ id: 'multi', total: 123_456_789n, recipientCount: p.recipients.length });
    // An empty plan and a plan of one chunk too.
    for (const small of [plan('none', 0), plan('one', 3)]) {
      expect(await ledger.createPlan(small, previewed(small), 60_000)).toBe(true);
      expectSamePlan(await ledger.getPlan(small.id), small);
    }
  });

  it('never overwrites a plan id, not even one chunk of it', async () => {
    const { ledger } = await fresh();
    const first = plan('same', PLAN_CHUNK_RECIPIENTS + 1);
    expect(await ledger.createPlan(first, previewed(first), 60_000)).toBe(true);
    const second = plan('same', PLAN_CHUNK_RECIPIENTS + 1);
    expect(await ledger.createPlan(second, previewed(second), 60_000)).toBe(false);
    expectSamePlan(await ledger.getPlan('same'), first);
  });

  it('reads a plan written as one value by an earlier version', async () => {
    const { store, ledger } = await fresh();
    const p = plan('old', 4);
    const { recipients, ...header } = p;
    await store.atomic('ledger').setIfAbsent('plan:old', {
      ...header,
      total: p.total.toString(),
      estimatedFeeLamports: '5000',
      estimatedRentLamports: '0',
      reserveLamports: '900000',
      recipients: recipients.toArray().map((r) => ({ ...r, amount: r.amount.toString(), holding: r.holding.toString() })),
    });
    expectSamePlan(await ledger.getPlan('old'), p);
    expect(await ledger.getPlanSummary('old')).toMatchObject({ total: p.total, recipientCount: 4 });
    // Confirming it writes it in chunks, kept for good.
    await ledger.write(await lease(ledger, 'old'), { plan: (await ledger.getPlan('old')) as Plan });
    expect(await planKeys(store, 'old')).toEqual(['plan:old', planChunkKey('old', 0)]);
    expectSamePlan(await ledger.getPlan('old'), p);
  });

  it('lets an unconfirmed preview go: its header and all its chunks expire', async () => {
    const { store, ledger } = await fresh();
    const p = plan('brief', PLAN_CHUNK_RECIPIENTS + 1);
    expect(await ledger.createPlan(p, previewed(p), 400)).toBe(true);
    expect(await planKeys(store, 'brief')).toHaveLength(3);
    await sleep(1_000);
    await store.sweepExpired();
    expect(await planKeys(store, 'brief')).toEqual([]);
    expect(await ledger.getPlan('brief')).toBeUndefined();
  });

  it('keeps a confirmed plan and every chunk of it without expiry', async () => {
    const { store, ledger, where } = await fresh();
    const p = plan('kept', PLAN_CHUNK_RECIPIENTS + 1);
    expect(await ledger.createPlan(p, previewed(p), 400)).toBe(true);
    const read = (await ledger.getPlan('kept')) as Plan;
    await ledger.write(await lease(ledger, 'kept'), { plan: read, distribution: { ...previewed(p), state: 'confirmed', confirmedAt: 3 } });
    await sleep(1_000);
    await store.sweepExpired();
    expect(await planKeys(store, 'kept')).toHaveLength(3);
    expectSamePlan(await ledger.getPlan('kept'), p);
    if (name === 'Redis') {
      const client = createClient({ url: server?.url ?? '' });
      await client.connect();
      try {
        for (const key of await planKeys(store, 'kept')) expect(await client.pTTL(`${where.namespace}.ledger::${key}`)).toBe(-1);
      } finally {
        await client.close();
      }
    }
  });

  it('after a crash between keeping the chunks and confirming, the distribution is not confirmed, and confirming again keeps the plan', async () => {
    const { store, ledger } = await fresh();
    const p = plan('crash', PLAN_CHUNK_RECIPIENTS + 1);
    expect(await ledger.createPlan(p, previewed(p), 400)).toBe(true);
    const read = (await ledger.getPlan('crash')) as Plan;
    const fence = await lease(ledger, 'crash');
    // The store goes away right when the header and the record would be written.
    const atomic = store.atomic('ledger');
    const crashing = new Ledger(
      store.ns('ledger'),
      {
        ...atomic,
        fencedSet: async (key, token, entries) => {
          if (entries.some((e) => e.key === 'plan:crash')) throw new Error('crash');
          return atomic.fencedSet(key, token, entries);
        },
      },
      { kv: store.ns('ledger-index'), atomic: store.atomic('ledger-index') },
    );
    await expect(crashing.write(fence, { plan: read, distribution: { ...previewed(p), state: 'confirmed', confirmedAt: 3 } })).rejects.toThrow('crash');
    expect((await ledger.getDistribution('crash'))?.state).toBe('previewed');
    await ledger.write(fence, { plan: read, distribution: { ...previewed(p), state: 'confirmed', confirmedAt: 3 } });
    await sleep(1_000);
    await store.sweepExpired();
    expect((await ledger.getDistribution('crash'))?.state).toBe('confirmed');
    expectSamePlan(await ledger.getPlan('crash'), p);
  });

  it('refuses to read a plan whose chunk is missing or changed, instead of a shorter plan', async () => {
    const { store, ledger } = await fresh();
    const p = plan('broken', PLAN_CHUNK_RECIPIENTS + 1);
    await ledger.createPlan(p, previewed(p), 60_000);
    await store.ns('ledger').delete(planChunkKey('broken', 1));
    await expect(ledger.getPlan('broken')).rejects.toThrow(/chunk 1 of 2 is missing/);
    const q = plan('changed', 5);
    await ledger.createPlan(q, previewed(q), 60_000);
    const other = plan('x', 5).recipients.encodeChunk(0, 5);
    await store.ns('ledger').set(planChunkKey('changed', 0), other);
    await expect(ledger.getPlan('changed')).rejects.toThrow(/does not match its header/);
  });

  it('writes and reads a 100,000-recipient plan in pieces, the event loop turning between every two of them', async () => {
    const { store } = await fresh();
    const p = plan('big', 100_000);
    const chunks = Math.ceil(100_000 / PLAN_CHUNK_RECIPIENTS);
    let ticks = 0;
    // The loop's turns so far as each chunk went to or came from the store.
    const seen: { write: number[]; read: number[] } = { write: [], read: [] };
    const atomic = store.atomic('ledger');
    const kv = store.ns('ledger');
    const get = kv.get.bind(kv);
    kv.get = (async (key: string) => {
      if (key.startsWith('plan:big:')) seen.read.push(ticks);
      return get(key);
    }) as typeof kv.get;
    const ledger = new Ledger(
      kv,
      {
        ...atomic,
        setIfAbsent: async (key, value, ttlMs) => {
          if (key.startsWith('plan:big:')) seen.write.push(ticks);
          return atomic.setIfAbsent(key, value, ttlMs);
        },
      },
      { kv: store.ns('ledger-index'), atomic: store.atomic('ledger-index') },
    );
    // Counts turns of the event loop: an immediate that queues itself runs once per turn, whatever
    // the machine's speed (a 1 ms timer is not due between two quick store calls).
    let spinning = true;
    const spin = () => {
      ticks++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    try {
      expect(await ledger.createPlan(p, previewed(p), 60_000)).toBe(true);
      expectSamePlan(await ledger.getPlan('big'), p);
    } finally {
      spinning = false;
    }
    expect(seen.write).toHaveLength(chunks);
    expect(seen.read).toHaveLength(chunks);
    // The loop turned between every two chunks, written or read: no task held it for the whole plan.
    for (const counts of [seen.write, seen.read]) {
      for (let i = 1; i < counts.length; i++) expect(counts[i] as number).toBeGreaterThan(counts[i - 1] as number);
    }
  }, 120_000);
});
