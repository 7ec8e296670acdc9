import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { say } from '../src/i18n/index.js';
import { Connection } from '@solana/web3.js';
import { openStore } from '../src/store/index.js';
import type { ProgressEvent } from '../src/engine/events.js';
import { completion, onChainBalances, operator, runToEnd, harnessPerTest, type EngineHarness } from './helpers/engine.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { rejection } from './helpers/rejection.js';

/*
 * What the engine does when the chain cannot, or not yet, say what became of a transaction:
 * forks, lagging nodes, outages, nodes without history, and the distributor's own limits.
 * Each scenario ends with raw on-chain balances: every recipient paid exactly once.
 */

const harness = harnessPerTest();

async function expectEachPaidOnce(h: EngineHarness, planId: string): Promise<void> {
  const plan = (await h.engine.ledger.getPlan(planId))!;
  const balances = await onChainBalances(new Connection(h.net.rpcUrl, 'confirmed'), plan);
  const wrong = plan.recipients.toArray().filter((r) => balances.get(r.owner) !== r.amount);
  expect(wrong.map((r) => ({ owner: r.owner, share: r.amount, holds: balances.get(r.owner) }))).toEqual([]);
}

function progressUntil(h: EngineHarness, pred: (e: ProgressEvent) => boolean): Promise<ProgressEvent> {
  return new Promise((resolve) => {
    const on = (e: ProgressEvent) => {
      if (!pred(e)) return;
      h.engine.events.off('progress', on);
      resolve(e);
    };
    h.engine.events.on('progress', on);
  });
}

describe('settling transactions on a chain that behaves like real validators', () => {
  it('does not take a failure seen at processed as final: the fork is abandoned, the same bytes land, and nobody is paid twice or failed', async () => {
    const h = await harness({ holders: 30, seed: 41 }, { executor: { maxRecipientsPerTransaction: 3 } });
    h.net.chain.forkFailNext(4);
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '500', reward: h.net.scenario.rewardMint });
    expect(h.net.server.stats().transactionsForked).toBeGreaterThanOrEqual(4);
    expect(completed.failed).toBe(0);
    expect(completed.paid).toBe(preview.plan.recipients.length);
    await expectEachPaidOnce(h, preview.plan.id);
  });

  it('judges expiry from one endpoint per poll while the gateway flips between the primary and a fallback 40 slots behind', async () => {
    const h = await harness(
      { holders: 40, seed: 42, laggingEndpointSlots: 40 },
      {
        executor: { maxRecipientsPerTransaction: 2, outageBackoffMaxMs: 200 },
        gateway: (net) => ({
          fallbackUrl: net.laggingRpcUrl as string,
          retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
          circuitBreaker: { failureThreshold: 1, cooldownMs: 150 },
        }),
      },
    );
    const engine = h.engine;
    let failovers = 0;
    engine.gateway.events.on('failover', () => failovers++);
    const preview = await engine.service.preview({ token: h.net.scenario.baseMint, amount: '700', reward: h.net.scenario.rewardMint }, operator);
    const done = completion(h, preview.plan.id);
    h.net.server.setFaults({ serverError: 0.3, dropTransaction: 0.3 });
    await engine.service.confirm(preview.plan.id, operator);
    const completed = await done;
    h.net.server.setFaults({});
    expect(failovers).toBeGreaterThan(0);
    expect(completed.paid).toBe(preview.plan.recipients.length);
    await expectEachPaidOnce(h, preview.plan.id);
  }, 120_000);

  it('waits out an RPC outage that lasts past the status cache, without pausing, and finishes exactly', async () => {
    const h = await harness({ holders: 40, seed: 43 }, { executor: { maxRecipientsPerTransaction: 1, maxInFlightTransactions: 2, outageBackoffMaxMs: 200 } });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '400', reward: h.net.scenario.rewardMint }, operator);
    const done = completion(h, preview.plan.id);
    const states: string[] = [];
    h.engine.events.on('progress', (e) => states.push(e.state));
    const waiting = progressUntil(h, (e) => e.note?.key === 'note.rpcWaiting' && say('en', e.note).includes('waiting for the RPC endpoint'));
    await h.engine.service.confirm(preview.plan.id, operator);
    await progressUntil(h, (e) => e.paid >= 5);
    h.net.server.setFaults({ serverError: 1 });
    await waiting;
    // The chain goes on meanwhile: every status sent so far leaves the recent status cache.
    h.net.chain.advance(450);
    expect((await h.engine.ledger.getDistribution(preview.plan.id))?.state).toBe('running');
    h.net.server.setFaults({});
    const completed = await done;
    expect(states).not.toContain('paused');
    expect(completed.paid).toBe(preview.plan.recipients.length);
    await expectEachPaidOnce(h, preview.plan.id);
  }, 120_000);

  it('pauses, naming the transactions and the missing evidence, when the node keeps no history; resumes by itself once it can tell', async () => {
    const h = await harness({ holders: 20, seed: 44, transactionHistory: false }, { executor: { maxRecipientsPerTransaction: 2, evidenceTimeoutMs: 500 } });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '200', reward: h.net.scenario.rewardMint }, operator);
    const done = completion(h, preview.plan.id);
    const paused = progressUntil(h, (e) => e.state === 'paused');
    h.net.server.setFaults({ dropTransaction: 1 });
    await h.engine.service.confirm(preview.plan.id, operator);
    const pause = await paused;
    h.net.server.setFaults({});
    expect(say('en', pause.note!)).toMatch(/waiting for proof of what became of \d+ transaction\(s\): \w+ \(no-history\)/);
    const record = await h.engine.ledger.getDistribution(preview.plan.id);
    expect(record).toMatchObject({ state: 'paused', pauseCode: 'evidence' });
    // Nothing was signed again: the dropped transactions hold their recipients.
    expect((await h.engine.ledger.transactions(preview.plan.id)).every((t) => t.status === 'signed')).toBe(true);
    // An operator may pause it meanwhile: answered although the transactions are still unsettled.
    const status = await h.engine.service.pause(preview.plan.id, operator);
    expect(status.record).toMatchObject({ state: 'paused', pauseCode: 'operator' });
    h.net.server.configure({ transactionHistory: true });
    // The evidence settles what was sent; the operator's pause holds until they resume.
    await progressUntil(h, (e) => e.state === 'paused' && e.inFlight === 0);
    expect((await h.engine.ledger.getDistribution(preview.plan.id))?.state).toBe('paused');
    await h.engine.service.resume(preview.plan.id, operator);
    const completed = await done;
    expect(completed.paid).toBe(preview.plan.recipients.length);
    await expectEachPaidOnce(h, preview.plan.id);
  }, 240_000);
});

describe("the distributor's own limits", () => {
  it('keeps the payer rent-exempt: a plan that would leave it below the minimum is refused at confirm, naming the reserve', async () => {
    const h = await harness({ holders: 10, seed: 45 });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '5', reward: 'SOL', mode: 'equal' }, operator);
    // Enough for the total and the fees, not for the distributor's own rent on top.
    const payer = h.net.scenario.distributor;
    h.net.chain.setAccount({ address: payer, data: new Uint8Array(0), lamports: 5_000_000_000n + preview.feeLamports + 100_000n, owner: '11111111111111111111111111111111' });
    const refused = await rejection(h.engine.service.confirm(preview.plan.id, operator));
    expect(refused.code).toBe('INSUFFICIENT_BALANCE');
    expect(refused.userMessage).toMatch(/kept for its own rent and retries/);
    expect(await h.engine.ledger.transactions(preview.plan.id)).toEqual([]);
  });

  it("pauses as the distributor's problem, blaming no recipient, when a transfer would leave the payer below its rent-exempt minimum", async () => {
    const h = await harness({ holders: 10, seed: 46 }, { executor: { maxRecipientsPerTransaction: 1, maxInFlightTransactions: 1 } });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '5', reward: 'SOL', mode: 'equal' }, operator);
    const paused = progressUntil(h, (e) => e.state === 'paused');
    await h.engine.service.confirm(preview.plan.id, operator);
    // Drained after the checks: one share and its fee, plus less than the rent-exempt minimum.
    const share = preview.plan.recipients.get(0).amount;
    h.net.chain.setAccount({ address: h.net.scenario.distributor, data: new Uint8Array(0), lamports: share + 200_000n, owner: '11111111111111111111111111111111' });
    const pause = await paused;
    expect(say('en', pause.note!)).toMatch(/the distributor cannot pay/);
    expect(pause.failed).toBe(0);
    const record = await h.engine.ledger.getDistribution(preview.plan.id);
    expect(record).toMatchObject({ state: 'paused', pauseCode: 'distributor' });
    expect((await h.engine.service.report(preview.plan.id)).filter((r) => r.status === 'failed')).toEqual([]);
  });
});

describe('a store that could lose ledger writes', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ durable: false, maxmemoryPolicy: 'allkeys-lru' });
  }, 600_000);
  afterAll(async () => redis?.stop());

  it('refuses distributions on a Redis without appendfsync always and noeviction, naming the settings', async () => {
    const store = await openStore({ dataDir: '', redisUrl: redis.url, namespace: 'nodurable', sweepIntervalMs: 0 });
    try {
      const h = await harness({ holders: 5, seed: 47 }, { store });
      const refused = await rejection(h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '1', reward: h.net.scenario.rewardMint }, operator));
      expect(refused.code).toBe('STORE_NOT_DURABLE');
      expect(refused.userMessage).toMatch(/appendfsync/);
      expect(refused.userMessage).toMatch(/maxmemory-policy/);
    } finally {
      await store.close();
    }
  });
});
