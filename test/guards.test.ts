/**
 * Spending guards, typed on the console against the local chain over
 * real JSON-RPC: each guard refuses with its name, the limit, what has been spent and when room
 * returns, and nothing is sent; a total above the approval threshold needs a second operator, and
 * the first cannot approve their own plan; a schedule's occurrence that a guard refuses waits for
 * an operator instead of confirming itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SpendGuards } from '../src/engine/guards.js';
import type { Actor, Plan } from '../src/engine/ledger.js';
import { isTributaryError } from '../src/engine/errors.js';
import { startScheduleApp, type ScheduleApp } from './helpers/schedule-app.js';
import type { DeepPartial, Config } from '../src/config/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function app(config: DeepPartial<Config>, now?: number): Promise<ScheduleApp> {
  const a = await startScheduleApp({ config, ...(now !== undefined ? { now } : {}) });
  cleanups.push(() => a.close());
  return a;
}

/** Previews `amount` SOL as `userId` and returns the plan id. */
async function preview(a: ScheduleApp, amount: string, userId = 'ops-a', reward = 'SOL'): Promise<string> {
  const r = await a.type(`/distribute preview token:${a.net.scenario.baseMint} amount:${amount} reward:${reward}`, userId);
  expect(r.outcome, r.reply.text).toBe('done');
  return /Plan (\w{8}) \(localnet\)/.exec(r.reply.text)?.[1] as string;
}

async function stateOf(a: ScheduleApp, id: string): Promise<string> {
  return (await a.engine.service.status(id)).record.state;
}

describe('spending guards', () => {
  it('the reward allowlist refuses any other reward, typed or scheduled; nothing is sent', async () => {
    const a = await app({ guards: { allowedRewards: ['SOL'] } });
    const mint = a.net.scenario.rewardMint;
    const id = await preview(a, '10', 'ops-a', mint);
    const refused = await a.type(`/distribute confirm id:${id}`);
    expect(refused.code).toBe('REWARD_NOT_ALLOWED');
    expect(refused.reply.text).toMatch(
      new RegExp(`^✖ guard "reward allowlist" refused plan ${id}: \\S+ \\(${mint}\\) is not on it; the allowlist \\(guards.allowedRewards\\) has SOL. Nothing was sent$`),
    );
    const schedule = await a.type(`/schedule create token:${a.net.scenario.baseMint} amount:10 reward:${mint} every:daily at:09:00 tz:UTC approval:auto`);
    expect(schedule.reply.text).toContain(`guard "reward allowlist": ${mint} is not on it`);
    expect(await stateOf(a, id)).toBe('previewed');
    expect(a.sent()).toBe(0);
  });

  it('the per-distribution and daily caps refuse with the limit, what is spent in the window and when room returns', async () => {
    const a = await app({ guards: { limits: { SOL: { perDistribution: '100', perDay: '150' } } } });
    const big = await preview(a, '120');
    const perDistribution = await a.type(`/distribute confirm id:${big}`);
    expect(perDistribution.code).toBe('SPEND_LIMIT');
    expect(perDistribution.reply.text).toBe(
      `✖ guard "per-distribution cap" refused plan ${big}: 120 SOL is above the cap of 100 SOL per distribution (guards.limits.SOL.perDistribution); lower the amount. Nothing was sent`,
    );
    expect(a.sent()).toBe(0);

    const first = await preview(a, '100');
    expect((await a.type(`/distribute confirm id:${first}`)).reply.text).toContain(`Distribution ${first} confirmed by ops-a`);
    await a.engine.service.whenIdle();
    const confirmedAt = (await a.engine.service.status(first)).record.confirmedAt as number;
    const sentAfterFirst = a.sent();

    const second = await preview(a, '60');
    const daily = await a.type(`/distribute confirm id:${second}`);
    expect(daily.code).toBe('SPEND_LIMIT');
    const roomAt = new Date(confirmedAt + 24 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(daily.reply.text).toBe(
      `✖ guard "daily cap" refused plan ${second}: 100 SOL of SOL confirmed in the last 24 hours (1 distribution(s)) plus this 60 SOL is above the cap of 150 SOL per rolling 24 hours (guards.limits.SOL.perDay); room for 60 SOL returns at ${roomAt}, when earlier distributions leave the window. Nothing was sent`,
    );
    expect(await stateOf(a, second)).toBe('previewed');
    expect(a.sent()).toBe(sentAfterFirst);

    // What fits still goes.
    const third = await preview(a, '50');
    expect((await a.type(`/distribute confirm id:${third}`)).outcome).toBe('done');
    await a.engine.service.whenIdle();
    const shown = (await a.type('/guards')).reply.text;
    expect(shown).toContain('at most 100 SOL per distribution');
    expect(shown).toContain('150 SOL of 150 SOL spent in the last 24 h; room grows at');
    expect(shown).toContain('150 SOL spent in the last 7 days (no cap)');
  });

  it('the weekly cap refuses once the rolling 7 days are full, and says so', async () => {
    const a = await app({ guards: { limits: { SOL: { perWeek: '100' } } } });
    const first = await preview(a, '70');
    await a.type(`/distribute confirm id:${first}`);
    await a.engine.service.whenIdle();
    const sent = a.sent();
    const second = await preview(a, '40');
    const weekly = await a.type(`/distribute confirm id:${second}`);
    expect(weekly.code).toBe('SPEND_LIMIT');
    expect(weekly.reply.text).toContain(
      `guard "weekly cap" refused plan ${second}: 70 SOL of SOL confirmed in the last 7 days (1 distribution(s)) plus this 40 SOL is above the cap of 100 SOL per rolling 7 days (guards.limits.SOL.perWeek); room for 40 SOL returns at `,
    );
    expect(a.sent()).toBe(sent);
    // More than the cap itself never fits.
    const huge = await preview(a, '150');
    expect((await a.type(`/distribute confirm id:${huge}`)).reply.text).toContain('150 SOL is more than the cap itself, so it never fits; lower the amount');
  });

  it('above the approval threshold a second operator approves; the first cannot approve their own plan', async () => {
    const a = await app({ guards: { limits: { SOL: { secondApprovalAbove: '50' } } } });
    const id = await preview(a, '80', 'ops-a');
    const asked = await a.type(`/distribute confirm id:${id}`, 'ops-a');
    expect(asked.outcome).toBe('done');
    expect(asked.reply.text).toContain(
      `✋ guard "two-operator approval": plan ${id} pays 80 SOL, above 50 SOL (guards.limits.SOL.secondApprovalAbove), so a second operator must approve it`,
    );
    expect(asked.reply.text).toContain('ops-a asked to send it; another operator in this chat presses Approve');
    expect(asked.reply.buttons).toEqual([{ label: 'Approve', command: `/distribute approve id:${id}`, style: 'primary', openToChat: true }]);
    expect(await stateOf(a, id)).toBe('previewed');

    const self = await a.type(`/distribute approve id:${id}`, 'ops-a');
    expect(self.code).toBe('APPROVAL_SELF');
    expect(self.reply.text).toBe(`✖ you asked to send plan ${id}; a second operator must approve it, not you. Nothing was sent`);
    // A holder cannot approve either.
    expect((await a.type(`/distribute approve id:${id}`, 'someone', 'holder')).reply.text).toContain('is for operators');
    expect(await stateOf(a, id)).toBe('previewed');
    expect(a.sent()).toBe(0);

    const approved = await a.type(`/distribute approve id:${id}`, 'ops-b');
    expect(approved.reply.text).toContain(`Distribution ${id} confirmed by ops-a (console) and approved by ops-b (console): paying 80 SOL`);
    await a.engine.service.whenIdle();
    expect(await stateOf(a, id)).toBe('completed');
    expect(a.sent()).toBeGreaterThan(0);
    // Below the threshold one operator is enough.
    const small = await preview(a, '50', 'ops-b');
    expect((await a.type(`/distribute confirm id:${small}`, 'ops-b')).reply.text).toContain(`Distribution ${small} confirmed by ops-b`);
  });

  it('a scheduled occurrence that a guard refuses does not confirm itself: it waits for an operator, with the guard named', async () => {
    const a = await app({ guards: { limits: { SOL: { perDistribution: '50' } } } }, Date.parse('2027-04-01T08:00:00Z'));
    await a.type(`/schedule create token:${a.net.scenario.baseMint} amount:60 reward:SOL every:daily at:09:00 tz:UTC approval:auto`);
    a.clock.now = Date.parse('2027-04-01T09:00:02Z');
    const [occurrence] = (await a.scheduler.check()).fired;
    expect(occurrence?.state).toBe('awaiting');
    expect(a.posts.at(-1)?.text).toContain(
      `needs an operator: it did not confirm itself: guard "per-distribution cap" refused plan ${occurrence?.planId}: 60 SOL is above the cap of 50 SOL per distribution`,
    );
    expect(a.sent()).toBe(0);

    // Its own cap is checked first: a schedule with cap:30 does not confirm 60 by itself.
    await a.type(`/schedule create token:${a.net.scenario.baseMint} amount:60 reward:SOL every:daily at:10:00 tz:UTC approval:auto cap:30`);
    a.clock.now = Date.parse('2027-04-01T10:00:02Z');
    const [capped] = (await a.scheduler.check()).fired;
    expect(a.posts.at(-1)?.text).toContain(`guard "auto-approval cap" refused plan ${capped?.planId}: 60 SOL is above the 30 SOL that schedule`);
    expect(a.sent()).toBe(0);
  });

  it('on mainnet a schedule confirms by itself only under a cap of its own', async () => {
    const a = await app({ network: 'mainnet-beta', rpc: { url: 'https://api.mainnet-beta.solana.com', preset: 'unlimited' }, keypairPath: '/dev/null' });
    const refused = await a.type(`/schedule create token:${a.net.scenario.baseMint} amount:10 reward:SOL every:weekly at:09:00 tz:UTC approval:auto`);
    expect(refused.code).toBe('SCHEDULE_INVALID');
    expect(refused.reply.text).toContain('on mainnet a schedule confirms by itself only under its own cap: add cap:');

    // The guard holds the same line for a plan made on mainnet, whatever created the schedule.
    const guard = new SpendGuards({ ledger: a.engine.ledger, config: { allowedRewards: null, limits: {} }, autoApproval: async () => ({ name: 'schedule abcd1234', cap: null }) });
    const plan = {
      id: 'p1',
      network: 'mainnet-beta',
      reward: { kind: 'sol', decimals: 9, symbol: 'SOL' },
      total: 10_000_000_000n,
      createdBy: { platform: 'schedule', userId: 'abcd1234' },
    } as unknown as Plan;
    const schedule: Actor = { platform: 'schedule', userId: 'abcd1234', name: 'schedule abcd1234' };
    const error = await guard.admit(plan, schedule, { now: Date.now() }).catch((e: unknown) => e);
    expect(isTributaryError(error, 'SPEND_LIMIT') && error.userMessage).toBe(
      'guard "auto-approval cap" refused plan p1: on mainnet a schedule confirms by itself only under its own cap, and schedule abcd1234 has none; an operator confirms it, or the schedule is created again with cap:. Nothing was sent',
    );
    // An operator's confirm of the same plan is not held by that guard.
    await expect(guard.admit(plan, { platform: 'console', userId: 'ops-a' }, { now: Date.now() })).resolves.toBeUndefined();
  });
});
