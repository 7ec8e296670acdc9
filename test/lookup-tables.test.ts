/**
 * Lookup tables for recurring recipients: a schedule with tables:true pays with
 * v0 transactions that load its recipients' token accounts from address lookup tables it keeps,
 * on the local chain over real JSON-RPC (litesvm's lookup table program). It pays every holder
 * exactly once with fewer transactions than the legacy path for the same holders, reuses its
 * tables at the next occurrence and extends them for a new holder, and deleting it deactivates
 * the tables and, after the cooldown, closes them, the rent back with the distributor.
 */
import { AddressLookupTableAccount, Connection, Keypair, PublicKey } from '@solana/web3.js';
import { getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalnet } from '../src/localnet/index.js';
import { writeTokenAccount } from '../src/localnet/token-accounts.js';
import type { Plan } from '../src/engine/ledger.js';
import { onChainBalances } from './helpers/engine.js';
import { startScheduleApp, type ScheduleApp } from './helpers/schedule-app.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const HOLDERS = 60;

async function create(a: ScheduleApp, options: string): Promise<string> {
  const { net } = a;
  const result = await a.type(
    `/schedule create token:${net.scenario.baseMint} amount:600 reward:${net.scenario.rewardMint} every:weekly on:mon at:09:00 tz:UTC approval:auto ${options}`,
  );
  expect(result.outcome, result.reply.text).toBe('done');
  return /Schedule (\w{8}) created/.exec(result.reply.text)?.[1] as string;
}

/** What each owner holds of the reward token now (0 without an account). */
async function rewardBalances(connection: Connection, mint: string, owners: string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const keys = owners.map((o) => getAssociatedTokenAddressSync(new PublicKey(mint), new PublicKey(o), true));
  for (let i = 0; i < keys.length; i += 100) {
    const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + 100));
    infos.forEach((info, k) => out.set(owners[i + k] as string, info ? info.data.readBigUInt64LE(64) : 0n));
  }
  return out;
}

/** Runs an occurrence of `id` now and waits for its distribution to end; its plan, the transactions it sent, balances before and after. */
async function runOnce(
  a: ScheduleApp,
  id: string,
  extraOwners: string[] = [],
): Promise<{ plan: Plan; sent: number; v0: number; before: Map<string, bigint>; after: Map<string, bigint> }> {
  const connection = new Connection(a.net.rpcUrl, 'confirmed');
  const before = await rewardBalances(connection, a.net.scenario.rewardMint, [...a.net.scenario.holders.map((h) => h.owner), ...extraOwners]);
  // A manual occurrence is named by the scheduler's clock: each run gets an instant of its own.
  a.clock.now += 60_000;
  const occurrence = await a.scheduler.runNow(id, { platform: 'console', userId: 'ops-a' });
  expect(occurrence.state, JSON.stringify(occurrence.note)).toBe('started');
  const planId = occurrence.planId as string;
  const plan = (await a.engine.service.status(planId)).plan;
  await a.engine.service.whenIdle();
  const { record } = await a.engine.service.status(planId);
  expect(record.state).toBe('completed');
  const txs = await a.engine.ledger.transactions(planId);
  expect(txs.every((t) => t.status === 'confirmed')).toBe(true);
  // One signature (65 bytes), then the message: a v0 message starts with 0x80.
  const v0 = txs.filter((t) => (Buffer.from(t.wire, 'base64')[65] as number) === 0x80).length;
  return { plan, sent: txs.length, v0, before, after: await onChainBalances(connection, plan) };
}

function expectPaidExactlyOnce(plan: Plan, before: Map<string, bigint>, after: Map<string, bigint>): void {
  expect(plan.recipients.length).toBeGreaterThan(0);
  for (const r of plan.recipients) expect(before.has(r.owner), r.owner).toBe(true);
  for (const r of plan.recipients) expect((after.get(r.owner) ?? 0n) - (before.get(r.owner) ?? 0n), r.owner).toBe(r.amount);
}

describe('lookup tables for recurring recipients', () => {
  it('pays every holder once with fewer transactions than legacy, reuses and extends its tables, and closes them after the schedule is deleted', { timeout: 240_000 }, async () => {
    const net = await startLocalnet({ holders: HOLDERS, seed: 11, slotMs: 50 });
    cleanups.push(() => net.close());
    const a = await startScheduleApp({ net });
    cleanups.push(() => a.close());
    const payer = new PublicKey(a.engine.payer);
    const connection = new Connection(net.rpcUrl, 'confirmed');

    // Legacy: the first run creates the holders' reward accounts; the repeat pays existing accounts.
    const legacy = await create(a, '');
    await runOnce(a, legacy);
    const legacyRepeat = await runOnce(a, legacy);
    expect(legacyRepeat.v0).toBe(0);
    await a.type(`/schedule delete id:${legacy}`);

    const withTables = await create(a, 'tables:true');
    expect((await a.type('/schedule list')).reply.text).toContain('(proportional, with lookup tables)');
    const balanceBefore = await connection.getBalance(payer);
    const first = await runOnce(a, withTables);
    expect(first.plan.recipients.length).toBe(legacyRepeat.plan.recipients.length);
    expectPaidExactlyOnce(first.plan, first.before, first.after);
    expect(first.v0).toBe(first.sent);
    // The same holders, existing accounts: at most half the transactions of the legacy path.
    expect(first.sent).toBeLessThanOrEqual(Math.floor(legacyRepeat.sent / 2));
    const set = await a.engine.lookupTables.get(withTables);
    expect(set?.tables.filter((t) => t.state === 'active').length).toBe(1);
    // Its post said what the tables would take and save: one create and three extends first, then 2 transactions instead of 4.
    expect(a.posts.at(-1)?.text).toMatch(
      /Lookup tables: no table yet; before paying, 4 table transaction\(s\) add [0-9.]+ SOL of rent for the accounts not in them yet; 2 transaction\(s\) instead of 4 \(2 saved\)/,
    );
    expect(set?.nextSeq).toBe(4);
    const show = (await a.type(`/schedule show id:${withTables}`)).reply.text;
    expect(show).toMatch(new RegExp(`Lookup tables: 1, holding ${first.plan.recipients.length} addresses and [0-9.]+ SOL of rent`));
    const rent = (await a.engine.lookupTables.summary(withTables)).rentLamports;
    expect(rent).toBeGreaterThan(0n);
    expect(balanceBefore - (await connection.getBalance(payer))).toBeGreaterThanOrEqual(Number(rent));

    // A new holder appears: the next occurrence extends the same table and pays it, creating its account.
    const newcomer = Keypair.generate().publicKey;
    writeTokenAccount(net.chain, { address: Keypair.generate().publicKey, program: TOKEN_PROGRAM_ID, mint: net.scenario.baseMint, owner: newcomer, amount: 10n ** 9n });
    const opsBefore = (await a.engine.lookupTables.get(withTables))?.nextSeq ?? 0;
    const second = await runOnce(a, withTables, [newcomer.toBase58()]);
    expect(a.posts.at(-1)?.text).toMatch(/Lookup tables: its 1 table\(s\) hold [0-9.]+ SOL of rent; before paying, 1 table transaction\(s\) add [0-9.]+ SOL/);
    expect([...second.plan.recipients].some((r) => r.owner === newcomer.toBase58() && r.needsAccount)).toBe(true);
    expectPaidExactlyOnce(second.plan, second.before, second.after);
    const after = await a.engine.lookupTables.get(withTables);
    expect(after?.tables.map((t) => t.address)).toEqual(set?.tables.map((t) => t.address));
    // One extension (the new holder's account and owner), nothing created.
    expect((after?.nextSeq ?? 0) - opsBefore).toBe(1);
    expect((await a.engine.lookupTables.summary(withTables)).addresses).toBe(first.plan.recipients.length + 2);
    expect(second.sent).toBeLessThanOrEqual(Math.floor(legacyRepeat.sent / 2) + 1);

    // Deleted: deactivated at the next check, closed once the cooldown has passed, rent back.
    const deleted = (await a.type(`/schedule delete id:${withTables}`)).reply.text;
    expect(deleted).toContain('lookup table(s) hold');
    expect(deleted).toContain('closed by the bot itself');
    const held = (await a.engine.lookupTables.summary(withTables)).rentLamports;
    await a.scheduler.check();
    expect((await a.engine.lookupTables.get(withTables))?.tables.map((t) => t.state)).toEqual(['deactivated']);
    await a.scheduler.check();
    expect((await a.engine.lookupTables.get(withTables))?.tables.map((t) => t.state)).toEqual(['deactivated']);
    const beforeClose = await connection.getBalance(payer);
    net.chain.advance(640);
    await a.scheduler.check();
    const closed = await a.engine.lookupTables.get(withTables);
    expect(closed?.tables.map((t) => t.state)).toEqual(['gone']);
    expect(closed?.closedAt).toBeDefined();
    expect(a.posts.at(-1)?.text).toMatch(
      new RegExp(`Schedule ${withTables} \\(deleted\\): its 1 lookup table\\(s\\) are closed; [0-9.]+ SOL of rent is back with the distributor`),
    );
    expect(await connection.getAccountInfo(new PublicKey(closed?.tables[0]?.address as string))).toBeNull();
    // The rent came back, less the fees of the close.
    expect((await connection.getBalance(payer)) - beforeClose).toBeGreaterThan(Number(held) - 20_000);
  });

  it('on a chain that drops transactions, shows some failed on a fork and fails requests, creates each table once, adds each address once and pays each holder once', {
    timeout: 300_000,
  }, async () => {
    const net = await startLocalnet({ holders: 40, seed: 5, slotMs: 50, faults: { dropTransaction: 0.25, forkFail: 0.15, serverError: 0.03 } });
    cleanups.push(() => net.close());
    const a = await startScheduleApp({ net });
    cleanups.push(() => a.close());
    const connection = new Connection(net.rpcUrl, 'confirmed');
    const id = await create(a, 'tables:true');
    const run = await runOnce(a, id);
    expectPaidExactlyOnce(run.plan, run.before, run.after);
    expect(run.v0).toBe(run.sent);

    const set = await a.engine.lookupTables.get(id);
    const active = set?.tables.filter((t) => t.state === 'active') ?? [];
    expect(active.length).toBe(1);
    // Every create that did not land was proven expired before another was made; no table is left unknown.
    expect(set?.tables.every((t) => t.state === 'active' || t.state === 'gone')).toBe(true);
    const info = await connection.getAccountInfo(new PublicKey(active[0]?.address as string));
    const addresses = AddressLookupTableAccount.deserialize(info?.data as Uint8Array).addresses.map((k) => k.toBase58());
    expect(new Set(addresses).size).toBe(addresses.length);
    const accounts = [...run.plan.recipients].map((r) =>
      getAssociatedTokenAddressSync(new PublicKey(run.plan.reward.kind === 'spl' ? run.plan.reward.mint : ''), new PublicKey(r.owner), true).toBase58(),
    );
    for (const account of accounts) expect(addresses).toContain(account);
  });

  it('the tables never take SOL the distribution needs: without room for their rent, the run pays every holder without new tables', { timeout: 240_000 }, async () => {
    const net = await startLocalnet({ holders: 30, seed: 9, slotMs: 50 });
    cleanups.push(() => net.close());
    const a = await startScheduleApp({ net });
    cleanups.push(() => a.close());
    const connection = new Connection(net.rpcUrl, 'confirmed');
    const created = await a.type(
      `/schedule create token:${net.scenario.baseMint} amount:30 reward:SOL mode:equal every:weekly on:mon at:09:00 tz:UTC approval:operator tables:true`,
    );
    const id = /Schedule (\w{8}) created/.exec(created.reply.text)?.[1] as string;
    a.clock.now += 60_000;
    const occurrence = await a.scheduler.runNow(id, { platform: 'console', userId: 'ops-a' });
    expect(occurrence.state).toBe('awaiting');
    const plan = (await a.engine.service.status(occurrence.planId as string)).plan;
    // The distributor keeps what the run needs (the total, fees, new-account rent, its reserve) and 0.002 SOL more: less than the tables' rent.
    const needs = plan.total + plan.estimatedFeeLamports + plan.estimatedRentLamports + (plan.reserveLamports ?? 0n);
    net.chain.setAccount({ address: a.engine.payer, data: new Uint8Array(0), lamports: needs + 2_000_000n, owner: '11111111111111111111111111111111' });
    const owners = [...plan.recipients].map((r) => r.owner);
    const before = new Map(await Promise.all(owners.map(async (o) => [o, BigInt(await connection.getBalance(new PublicKey(o)))] as const)));
    const confirmed = await a.type(`/distribute confirm id:${plan.id}`);
    expect(confirmed.outcome, confirmed.reply.text).toBe('done');
    await a.engine.service.whenIdle();
    expect((await a.engine.service.status(plan.id)).record.state).toBe('completed');
    for (const r of plan.recipients) expect(BigInt(await connection.getBalance(new PublicKey(r.owner))) - (before.get(r.owner) ?? 0n), r.owner).toBe(r.amount);
    const txs = await a.engine.ledger.transactions(plan.id);
    expect(txs.filter((t) => (Buffer.from(t.wire, 'base64')[65] as number) === 0x80)).toHaveLength(0);
    expect((await a.engine.lookupTables.get(id))?.nextSeq ?? 0).toBe(0);
  });
});
