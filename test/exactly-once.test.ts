import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, PublicKey } from '@solana/web3.js';
import { getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { writeTokenAccount } from '../src/localnet/token-accounts.js';
import { startLocalnet, type Localnet } from '../src/localnet/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { ledgerOf, type Ledger, type Plan } from '../src/engine/ledger.js';
import { recipientStates } from '../src/engine/owed.js';
import { seededRandom } from '../src/localnet/random.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { killAllWorkers, startWorker, type WorkerSpec } from './helpers/worker.js';

/*
 * Exactly once across processes and restarts, against a chain that forgets statuses after 300
 * slots as real nodes do. Each engine runs in its own process (test/fixtures/distribution-worker.ts)
 * so it can be SIGKILLed; the checks read the ledger and the chain's raw balances.
 */

const START_REDIS_TIMEOUT_MS = 600_000;
let net: Localnet;
let redis: RedisServer;
beforeAll(async () => {
  // 20 ms slots: a blockhash lives 3 s and the status cache forgets after 6 s.
  [net, redis] = await Promise.all([startLocalnet({ holders: 150, seed: 77, slotMs: 20 }), startRedis()]);
}, START_REDIS_TIMEOUT_MS);
afterEach(killAllWorkers);
afterAll(async () => {
  await net?.close();
  await redis?.stop();
});

type Backend = { name: string; where(): Pick<WorkerSpec, 'dataDir' | 'redisUrl' | 'namespace'> };
const backends: Backend[] = [
  { name: 'SQLite', where: () => ({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-once-')) }) },
  { name: 'Redis', where: () => ({ dataDir: '', redisUrl: redis.url, namespace: `once${Math.random().toString(36).slice(2, 10)}` }) },
];

function spec(where: ReturnType<Backend['where']>, mode: WorkerSpec['mode'], extra: Partial<WorkerSpec> = {}): WorkerSpec {
  return {
    rpcUrl: net.rpcUrl,
    keypairPath: net.scenario.keypairPath,
    baseMint: net.scenario.baseMint,
    reward: net.scenario.rewardMint,
    ...where,
    mode,
    ...extra,
  };
}

async function openLedger(where: ReturnType<Backend['where']>): Promise<{ store: Store; ledger: Ledger }> {
  const store = await openStore({
    dataDir: where.dataDir,
    ...(where.redisUrl ? { redisUrl: where.redisUrl } : {}),
    ...(where.namespace ? { namespace: where.namespace } : {}),
    sweepIntervalMs: 0,
  });
  return { store, ledger: ledgerOf(store) };
}

/** What each owner holds of the reward on chain now: ATA balance, or lamports for SOL. */
async function rawBalances(reward: string, owners: string[]): Promise<Map<string, bigint>> {
  const connection = new Connection(net.rpcUrl, 'confirmed');
  const out = new Map<string, bigint>();
  const keys = owners.map((o) => (reward === 'SOL' ? new PublicKey(o) : getAssociatedTokenAddressSync(new PublicKey(reward), new PublicKey(o), true)));
  for (let i = 0; i < keys.length; i += 100) {
    const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + 100));
    infos.forEach((info, k) => {
      const owner = owners[i + k] as string;
      out.set(owner, reward === 'SOL' ? BigInt(info?.lamports ?? 0) : info && info.data.length >= 72 ? info.data.readBigUInt64LE(64) : 0n);
    });
  }
  return out;
}

/** Every recipient paid exactly its share once: in the ledger, and in the raw balance change on chain. */
async function expectPaidOnce(where: ReturnType<Backend['where']>, planId: string, before: Map<string, bigint>): Promise<Plan> {
  const { store, ledger } = await openLedger(where);
  try {
    const plan = (await ledger.getPlan(planId)) as Plan;
    const record = await ledger.getDistribution(planId);
    const view = recipientStates(plan.recipients.length, await ledger.transactions(planId), await ledger.failures(planId));
    expect(record?.state).toBe('completed');
    expect(view.paidTwice).toEqual([]);
    expect(view.toArray().filter((s) => s.status !== 'paid')).toEqual([]);
    const reward = plan.reward.kind === 'sol' ? 'SOL' : plan.reward.mint;
    const after = await rawBalances(
      reward,
      plan.recipients.toArray().map((r) => r.owner),
    );
    const wrong = plan.recipients.toArray().filter((r) => (after.get(r.owner) ?? 0n) - (before.get(r.owner) ?? 0n) !== r.amount);
    expect(wrong.map((r) => ({ owner: r.owner, share: r.amount, received: (after.get(r.owner) ?? 0n) - (before.get(r.owner) ?? 0n) }))).toEqual([]);
    return plan;
  } finally {
    await store.close();
  }
}

const holders = () => net.scenario.holders.map((h) => h.owner);

describe.each(backends)('exactly once on $name', (backend) => {
  it('pays each recipient once when the bot restarts after the status cache forgot the transactions it sent', async () => {
    const where = backend.where();
    const before = await rawBalances(net.scenario.rewardMint, holders());
    const first = startWorker(spec(where, 'start'));
    const { planId } = (await first.waitFor((l) => 'planId' in l)) as { planId: string };
    await first.waitFor((l) => typeof l['confirmed'] === 'number' && l['confirmed'] >= 8);
    first.kill();
    await first.exited;
    // Down for 450 slots: every status it sent is gone from the recent status cache.
    net.chain.advance(450);
    const second = startWorker(spec(where, 'recover'));
    expect(((await second.waitFor((l) => 'recovered' in l)) as { recovered: string[] }).recovered).toEqual([planId]);
    expect(await second.exited).toBe(0);
    await expectPaidOnce(where, planId, before);
  }, 180_000);

  it('lets one of two processes on one store run a distribution; the other is told who runs it, takes over when it dies, and nobody is paid twice', async () => {
    const where = backend.where();
    const before = await rawBalances(net.scenario.rewardMint, holders());
    // Slow (3 requests a second) so the run is still going when the other processes have had their say.
    const owner = startWorker(spec(where, 'start', { leaseTtlMs: 3_000, requestsPerSecond: 3 }));
    const { planId } = (await owner.waitFor((l) => 'planId' in l)) as { planId: string };
    await owner.waitFor((l) => 'running' in l);
    // A second process tries everything that could start the same run.
    const confirmer = startWorker(spec(where, 'confirm', { planId }));
    const refused = (await confirmer.waitFor((l) => 'error' in l)) as { error: { code: string; message: string } };
    expect(refused.error.code).toMatch(/DISTRIBUTION_BUSY|INVALID_STATE/);
    const recoverer = startWorker(spec(where, 'recover', { leaseTtlMs: 3_000 }));
    expect(((await recoverer.waitFor((l) => 'recovered' in l)) as { recovered: string[] }).recovered).toEqual([]);
    await Promise.all([confirmer.exited, recoverer.exited]);
    // A standby beside it, as in a rolling deploy; then the owner dies mid-run.
    const standby = startWorker(spec(where, 'watch', { leaseTtlMs: 3_000, until: [planId] }));
    await owner.waitFor((l) => typeof l['confirmed'] === 'number' && l['confirmed'] >= 6);
    expect(standby.lines.some((l) => 'recovered' in l)).toBe(false);
    const killedAt = Date.now();
    owner.kill();
    await owner.exited;
    const takeover = (await standby.waitFor((l) => 'recovered' in l)) as { recovered: string[] };
    expect(takeover.recovered).toEqual([planId]);
    // Not before the dead owner's lease lapsed.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2_000);
    expect(await standby.exited).toBe(0);
    await expectPaidOnce(where, planId, before);
  }, 180_000);
});

describe('exactly once through crashes', () => {
  it('a second process asked to pause a running distribution says which process runs it and since when, and changes nothing', async () => {
    const where = backends[0]!.where();
    const owner = startWorker(spec(where, 'start', { leaseTtlMs: 30_000, requestsPerSecond: 5 }));
    const { planId } = (await owner.waitFor((l) => 'planId' in l)) as { planId: string };
    await owner.waitFor((l) => 'running' in l);
    const second = startWorker(spec(where, 'pause', { planId }));
    const { error } = (await second.waitFor((l) => 'error' in l)) as { error: { code: string; message: string } };
    expect(error.code).toBe('DISTRIBUTION_BUSY');
    expect(error.message).toMatch(
      new RegExp(`distribution ${planId} is being run by \\S+ pid \\d+ since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z; it is taken over if that process stops for 30 s`),
    );
    await second.exited;
    const { ledger, store } = await openLedger(where);
    expect((await ledger.getDistribution(planId))?.state).toBe('running');
    await store.close();
  }, 120_000);

  it('two plans confirmed at once, then a crash, then recovery: both paid exactly', async () => {
    const where = backends[0]!.where();
    const before = await rawBalances(net.scenario.rewardMint, holders());
    const first = startWorker(spec(where, 'start2', { amount: '1000' }));
    const { planIds } = (await first.waitFor((l) => 'planIds' in l)) as { planIds: string[] };
    await first.waitFor((l) => typeof l['confirmed'] === 'number' && l['confirmed'] >= 5);
    first.kill();
    await first.exited;
    net.chain.advance(400);
    const second = startWorker(spec(where, 'recover'));
    expect(((await second.waitFor((l) => 'recovered' in l)) as { recovered: string[] }).recovered.sort()).toEqual([...planIds].sort());
    expect(await second.exited).toBe(0);
    // Both plans pay the same holders: each must have received the sum of its two shares, once.
    const { store, ledger } = await openLedger(where);
    const plans = (await Promise.all(planIds.map((id) => ledger.getPlan(id)))) as Plan[];
    for (const p of plans) {
      const view = recipientStates(p.recipients.length, await ledger.transactions(p.id), await ledger.failures(p.id));
      expect({ plan: p.id, state: (await ledger.getDistribution(p.id))?.state, notPaid: view.toArray().filter((s) => s.status !== 'paid'), paidTwice: view.paidTwice }).toEqual({
        plan: p.id,
        state: 'completed',
        notPaid: [],
        paidTwice: [],
      });
    }
    await store.close();
    const after = await rawBalances(net.scenario.rewardMint, holders());
    const owed = new Map<string, bigint>();
    for (const p of plans) for (const r of p.recipients) owed.set(r.owner, (owed.get(r.owner) ?? 0n) + r.amount);
    for (const [owner, amount] of owed) expect((after.get(owner) ?? 0n) - (before.get(owner) ?? 0n)).toBe(amount);
  }, 180_000);

  it('retry-failed killed right after it started pays every failed recipient once, after recovery', async () => {
    const where = backends[0]!.where();
    const before = await rawBalances(net.scenario.rewardMint, holders());
    // First round: one holder's token account is frozen, so the transfer to it fails.
    const owner = startWorker(spec(where, 'start', { amount: '777' }));
    const { planId } = (await owner.waitFor((l) => 'planId' in l)) as { planId: string };
    const { store, ledger } = await openLedger(where);
    const plan = (await ledger.getPlan(planId)) as Plan;
    const victim = new PublicKey(plan.recipients.get(plan.recipients.length - 1).owner);
    const mint = new PublicKey(net.scenario.rewardMint);
    const ata = getAssociatedTokenAddressSync(mint, victim, true);
    // Earlier tests may have paid it already: keep what it holds.
    if (!net.chain.getAccount(ata.toBase58())) writeTokenAccount(net.chain, { address: ata, program: TOKEN_PROGRAM_ID, mint, owner: victim, amount: 0n });
    const frozen = Buffer.from(net.chain.getAccount(ata.toBase58())!.data);
    frozen[108] = 2;
    const account = { address: ata.toBase58(), lamports: net.chain.getAccount(ata.toBase58())!.lamports, owner: TOKEN_PROGRAM_ID.toBase58() };
    net.chain.setAccount({ ...account, data: frozen });
    expect(await owner.exited).toBe(0);
    expect((await ledger.failures(planId)).size).toBe(1);
    await store.close();
    // Thawed; retry-failed starts the second round and the process dies at once.
    frozen[108] = 1;
    net.chain.setAccount({ ...account, data: frozen });
    const retry = startWorker(spec(where, 'retry', { planId }));
    await retry.waitFor((l) => 'retrying' in l);
    retry.kill();
    await retry.exited;
    net.chain.advance(350);
    const recover = startWorker(spec(where, 'recover'));
    expect(((await recover.waitFor((l) => 'recovered' in l)) as { recovered: string[] }).recovered).toEqual([planId]);
    expect(await recover.exited).toBe(0);
    await expectPaidOnce(where, planId, before);
  }, 180_000);

  for (const reward of ['spl', 'SOL'] as const) {
    it(`pays ${reward} exactly once through 20 SIGKILLs at random moments, restarts immediate and delayed past the status cache, and a faulty RPC`, async () => {
      const where = reward === 'SOL' ? backends[1]!.where() : backends[0]!.where();
      const mint = reward === 'SOL' ? 'SOL' : net.scenario.rewardMint;
      const random = seededRandom(reward === 'SOL' ? 7 : 2024);
      const before = await rawBalances(mint, holders());
      net.server.setFaults({ dropTransaction: 0.1, serverError: 0.05, rateLimited: 0.05, timeout: 0.01, timeoutMs: 1_500 });
      try {
        const amount = reward === 'SOL' ? '150' : '300000.000001';
        // Equal SOL shares of 1 SOL: every new wallet gets more than the rent-exempt minimum.
        let w = startWorker(spec(where, 'start', { reward: mint, amount, requestsPerSecond: 10, ...(reward === 'SOL' ? { split: 'equal' as const } : {}) }));
        const { planId } = (await w.waitFor((l) => 'planId' in l)) as { planId: string };
        let kills = 0;
        for (;;) {
          // Killed at a random moment once its engine is up: mid-signing, mid-broadcast, mid-settling.
          await Promise.race([w.waitFor((l) => 'running' in l || 'recovered' in l).catch(() => undefined), w.exited]);
          const finished = await Promise.race([w.exited.then(() => true), sleep(random() * 700).then(() => false)]);
          if (finished) break;
          w.kill();
          await w.exited;
          kills++;
          // Half the restarts come after the status cache has forgotten everything sent.
          if (random() < 0.5) net.chain.advance(350);
          if (kills >= 20) {
            w = startWorker(spec(where, 'recover', { reward: mint, requestsPerSecond: 10 }));
            expect(await w.exited).toBe(0);
            break;
          }
          w = startWorker(spec(where, 'recover', { reward: mint, requestsPerSecond: 10 }));
        }
        // The run may have finished before 20 kills only if the engine is much faster than this pacing.
        expect(kills).toBeGreaterThanOrEqual(20);
        net.server.setFaults({});
        await expectPaidOnce(where, planId, before);
      } finally {
        net.server.setFaults({});
      }
    }, 420_000);
  }
});
