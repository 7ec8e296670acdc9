/**
 * Review of the compact plan storage and of address lookup tables with v0 transactions: each test
 * states something the money rules (docs/exactly-once.md) need of them, on the local chain where a
 * chain is involved. A test that fails here names a problem the review found.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  AddressLookupTableAccount,
  AddressLookupTableProgram,
  Connection,
  Keypair,
  PACKET_DATA_SIZE,
  PublicKey,
  SystemProgram,
  TransactionMessage,
  VersionedMessage,
  type TransactionInstruction,
} from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import pino from 'pino';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/app/engine.js';
import { defaultEngineOptions } from './helpers/defaults.js';
import type { TableOp, TableSet } from '../src/engine/lookup-tables.js';
import { ledgerOf } from '../src/engine/ledger.js';
import { startLocalnet } from '../src/localnet/index.js';
import { ScheduleBook } from '../src/schedule/book.js';
import { openStore } from '../src/store/index.js';
import type { TablesWorkerSpec } from './fixtures/review-tables-worker.js';
import { startScheduleApp } from './helpers/schedule-app.js';
import { RecipientTable } from '../src/engine/recipient-table.js';
import { distributionTag, TransferBuilder } from '../src/engine/tx-builder.js';
import type { RewardAsset } from '../src/engine/types.js';
import { harnessPerTest, onChainBalances, runToEnd } from './helpers/engine.js';

const startHarness = harnessPerTest();

const payer = Keypair.generate();
const blockhash = Keypair.generate().publicKey.toBase58();
const mint = Keypair.generate().publicKey;
const spl: RewardAsset = { kind: 'spl', mint: mint.toBase58(), program: 'spl-token', programId: TOKEN_PROGRAM_ID.toBase58(), decimals: 6, symbol: 'RWD' };
const sol: RewardAsset = { kind: 'sol', decimals: 9, symbol: 'SOL' };
/** The memo every distribution's transactions carry (executor.ts): an 8-character id and its round. */
const memo = distributionTag('abcd2345', 0);

function recipients(n: number, needsAccount: boolean): RecipientTable {
  return RecipientTable.fromRecipients(
    Array.from({ length: n }, (_, i) => ({ owner: Keypair.generate().publicKey.toBase58(), amount: BigInt(1000 + i), holding: 1n, offCurve: false, needsAccount })),
  );
}

/** A table holding what lookup-tables.ts puts in one: each recipient's account (the owner for SOL), and the owner of an account still to create. */
function tableOf(reward: RewardAsset, list: RecipientTable, extra: PublicKey[] = []): { key: PublicKey; addresses: PublicKey[] } {
  const addresses: PublicKey[] = [...extra];
  for (let i = 0; i < list.length; i++) {
    const owner = new PublicKey(list.ownerBytes(i));
    if (reward.kind === 'sol') addresses.push(owner);
    else {
      addresses.push(getAssociatedTokenAddressSync(new PublicKey(reward.mint), owner, true, new PublicKey(reward.programId)));
      if (list.needsAccount(i)) addresses.push(owner);
    }
  }
  return { key: Keypair.generate().publicKey, addresses };
}

/** Each key's strongest use across the instructions: what a message can say about it. */
function merged(ixs: readonly TransactionInstruction[]): Map<string, { signer: boolean; writable: boolean }> {
  const out = new Map<string, { signer: boolean; writable: boolean }>();
  for (const ix of ixs) {
    for (const m of ix.keys) {
      const k = m.pubkey.toBase58();
      const was = out.get(k) ?? { signer: false, writable: false };
      out.set(k, { signer: was.signer || m.isSigner, writable: was.writable || m.isWritable });
    }
  }
  return out;
}

describe('review: transactions the builder signs', () => {
  for (const [name, reward, needsAccount] of [
    ['SOL', sol, false],
    ['SPL to existing accounts', spl, false],
    ['SPL creating accounts', spl, true],
  ] as const) {
    it(`${name}: with the distribution's memo, legacy and v0 transactions stay within 1,232 bytes`, () => {
      for (const price of [0, 5_000]) {
        const list = recipients(64, needsAccount);
        const queue = Array.from({ length: list.length }, (_, i) => i);
        const legacy = new TransferBuilder({ payer, reward, computeUnitPrice: price, maxRecipients: null, memo }).build(queue, list, blockhash);
        expect(legacy.wire.length, `legacy ${name}, price ${price}: ${legacy.recipients.length} recipients`).toBeLessThanOrEqual(PACKET_DATA_SIZE);
        const v0Builder = new TransferBuilder({ payer, reward, computeUnitPrice: price, maxRecipients: null, memo, lookupTables: [tableOf(reward, list)] });
        const v0 = v0Builder.build(v0Builder.lookupOrder(queue, list), list, blockhash);
        expect(v0.wire.length, `v0 ${name}, price ${price}: ${v0.recipients.length} recipients`).toBeLessThanOrEqual(PACKET_DATA_SIZE);
      }
    });
  }

  it('a v0 message reads back as the same instructions; the fee payer, signers and invoked programs are never loaded from a table', () => {
    for (const [reward, needsAccount] of [
      [sol, false],
      [spl, false],
      [spl, true],
    ] as const) {
      const list = recipients(12, needsAccount);
      const source = getAssociatedTokenAddressSync(mint, payer.publicKey, true, TOKEN_PROGRAM_ID);
      // A careless table: it also holds the payer, its source account, the mint and the programs.
      const hostile = [
        payer.publicKey,
        source,
        mint,
        TOKEN_PROGRAM_ID,
        SystemProgram.programId,
        ASSOCIATED_TOKEN_PROGRAM_ID,
        new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'),
      ];
      const tables = [tableOf(reward, list, hostile), tableOf(reward, list)];
      const builder = new TransferBuilder({ payer, reward, computeUnitPrice: 1_000, maxRecipients: null, memo, lookupTables: tables });
      const built = builder.build(
        Array.from({ length: list.length }, (_, i) => i),
        list,
        blockhash,
      );
      const message = VersionedMessage.deserialize(built.wire.subarray(1 + 64));
      expect(message.version).toBe(0);
      expect(message.header.numRequiredSignatures).toBe(1);
      expect(message.header.numReadonlySignedAccounts).toBe(0);
      expect(message.staticAccountKeys[0]?.equals(payer.publicKey)).toBe(true);
      const programs = new Set(built.instructions.map((ix) => ix.programId.toBase58()));
      const statics = new Set(message.staticAccountKeys.map((k) => k.toBase58()));
      for (const p of programs) expect(statics.has(p), `program ${p} is a static key`).toBe(true);
      // Read-only unsigned statics are exactly the static keys no instruction writes.
      const flags = merged(built.instructions);
      const readonlyStatics = message.staticAccountKeys.filter((k) => !flags.get(k.toBase58())?.writable && !k.equals(payer.publicKey)).length;
      expect(message.header.numReadonlyUnsignedAccounts).toBe(readonlyStatics);
      const accounts = tables.map(
        (t) =>
          new AddressLookupTableAccount({
            key: t.key,
            state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: t.addresses },
          }),
      );
      const back = TransactionMessage.decompile(message, { addressLookupTableAccounts: accounts });
      expect(back.payerKey.equals(payer.publicKey)).toBe(true);
      expect(back.instructions).toHaveLength(built.instructions.length);
      back.instructions.forEach((ix, k) => {
        const original = built.instructions[k] as TransactionInstruction;
        expect(ix.programId.toBase58()).toBe(original.programId.toBase58());
        expect(Buffer.from(ix.data).equals(Buffer.from(original.data))).toBe(true);
        expect(ix.keys.map((m) => m.pubkey.toBase58())).toEqual(original.keys.map((m) => m.pubkey.toBase58()));
        ix.keys.forEach((m) => {
          const want = flags.get(m.pubkey.toBase58());
          const isPayer = m.pubkey.equals(payer.publicKey);
          expect(m.isSigner, m.pubkey.toBase58()).toBe(isPayer || Boolean(want?.signer));
          expect(m.isWritable, m.pubkey.toBase58()).toBe(isPayer || Boolean(want?.writable));
        });
      });
    }
  });
});

describe('review: on the local chain', () => {
  it('every transaction a SOL distribution records and broadcasts is one a real node accepts (at most 1,232 bytes), and each holder is paid once', {
    timeout: 120_000,
  }, async () => {
    const h = await startHarness({ holders: 45 });
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '3', reward: 'sol', mode: 'equal' });
    expect(completed.state).toBe('completed');
    const plan = preview.plan;
    const connection = new Connection(h.net.rpcUrl, 'confirmed');
    const after = await onChainBalances(connection, plan);
    expect(after.size).toBe(plan.recipients.length);
    const txs = await h.engine.ledger.transactions(plan.id);
    const sizes = txs.map((t) => Buffer.from(t.wire, 'base64').length);
    // The local chain takes any size; a real node's sendTransaction refuses more than 1,232 bytes, so
    // such a transaction never lands, is proven expired, and its recipients are packed the same way again.
    expect(Math.max(...sizes), `sizes ${sizes.join(', ')}`).toBeLessThanOrEqual(PACKET_DATA_SIZE);
  });

  it('a lookup table created moments before the set is swept through a node a few hundred slots behind is not written off: it is closed later and its rent comes back', {
    timeout: 180_000,
  }, async () => {
    const h = await startHarness({ holders: 6, laggingEndpointSlots: 300 });
    const connection = new Connection(h.net.rpcUrl, 'confirmed');
    const list = RecipientTable.fromRecipients(h.net.scenario.holders.slice(0, 3).map((x) => ({ owner: x.owner, amount: 1n, holding: 1n, offCurve: false, needsAccount: false })));
    const setId = 'sched-lag';
    const tables = await h.engine.lookupTables.prepare(setId, sol, list, 'plan-lag');
    expect(tables).toHaveLength(1);
    const table = (tables[0] as { key: PublicKey }).key;
    const rent = (await connection.getAccountInfo(table))?.lamports ?? 0;
    expect(rent).toBeGreaterThan(0);
    await h.engine.lookupTables.retire(setId);

    // The same store, swept by a process whose bulk endpoint answers 300 slots behind (a fallback, a node catching up).
    const lagging = createEngine(
      defaultEngineOptions(
        { rpcUrl: h.net.laggingRpcUrl as string, keypairPath: h.net.scenario.keypairPath, store: h.store, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) },
        {
          gateway: { timeoutMs: 2_000, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } },
          cacheStore: new Keyv(),
          executor: { pollIntervalMs: 50, rebroadcastIntervalMs: 300, assumedSlotMs: 50 },
        },
      ),
    );
    try {
      await lagging.lookupTables.sweep(async () => true);
    } finally {
      await lagging.close();
    }
    expect(await connection.getAccountInfo(table), 'the table is still on chain with its rent').not.toBeNull();
    const afterLaggingSweep = await h.engine.lookupTables.get(setId);
    expect(
      afterLaggingSweep?.tables.map((t) => t.state),
      'a table that exists is not recorded as gone',
    ).not.toContain('gone');
    expect(afterLaggingSweep?.closedAt).toBeUndefined();

    // The runner's own endpoint: deactivated, then closed after the cooldown, rent back.
    await h.engine.lookupTables.sweep(async () => true);
    h.net.chain.advance(640);
    await h.engine.lookupTables.sweep(async () => true);
    expect(await connection.getAccountInfo(table)).toBeNull();
    expect((await h.engine.lookupTables.get(setId))?.closedAt).toBeDefined();
  });
});

/** Starts test/fixtures/review-tables-worker.ts; its stdout lines as they come. */
function tablesWorker(spec: TablesWorkerSpec): { lines: Record<string, unknown>[]; exited: Promise<number | null>; kill(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/review-tables-worker.ts'), JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not a milestone
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { lines, exited, kill: () => child.kill('SIGKILL') };
}

describe('review: lookup table transactions across a SIGKILL', () => {
  it('a process killed while creating and extending tables never sends one twice, and every table it paid rent for is recorded and holds each address once', {
    timeout: 400_000,
  }, async () => {
    const net = await startLocalnet({ holders: 3, seed: 5, slotMs: 50 });
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-review-tables-'));
    const store = await openStore({ dataDir, sweepIntervalMs: 0 });
    const kv = store.ns('lookup-tables');
    const connection = new Connection(net.rpcUrl, 'confirmed');
    const authority = new PublicKey(net.scenario.distributor);
    const workers: ReturnType<typeof tablesWorker>[] = [];
    /** Table transactions recorded but not settled when a worker was killed: what the restart had to settle first. */
    let unsettledAtKill = 0;
    try {
      // Kill points: after the first table's create is recorded, after some extensions are, and after a while.
      for (const [round, killAt] of [
        [0, { op: 0 }],
        [1, { op: 1 }],
        [2, { op: 3 }],
        [3, { op: 8 }],
        [4, { ms: 1_500 }],
      ] as const) {
        const setId = `review-${round}`;
        const owners = Array.from({ length: 300 }, () => Keypair.generate().publicKey.toBase58());
        const firstSlot = await connection.getSlot('confirmed');
        const spec: TablesWorkerSpec = {
          rpcUrl: net.rpcUrl,
          keypairPath: net.scenario.keypairPath,
          dataDir,
          setId,
          planId: `plan-${round}`,
          owners,
          requestsPerSecond: 40,
          leaseTtlMs: 1_500,
        };
        const first = tablesWorker(spec);
        workers.push(first);
        const started = Date.now();
        for (;;) {
          if ('ms' in killAt ? Date.now() - started >= killAt.ms : (await kv.get(`op:${setId}:${killAt.op}`)) !== undefined) break;
          if (first.lines.some((l) => 'done' in l)) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        first.kill();
        await first.exited;
        const killedSet = (await kv.get(`set:${setId}`)) as TableSet | undefined;
        if (killedSet) {
          const killedOps = (await kv.getMany(Array.from({ length: killedSet.nextSeq }, (_, i) => `op:${setId}:${i}`))) as (TableOp | undefined)[];
          unsettledAtKill += killedOps.filter((o) => o?.status === 'signed').length;
        }
        const second = tablesWorker(spec);
        workers.push(second);
        await second.exited;
        expect(
          second.lines.find((l) => 'tables' in l || 'error' in l),
          JSON.stringify(second.lines),
        ).toHaveProperty('tables');

        const set = (await kv.get(`set:${setId}`)) as TableSet;
        const ops = (await kv.getMany(Array.from({ length: set.nextSeq }, (_, i) => `op:${setId}:${i}`))) as TableOp[];
        expect(
          ops.every((o) => o !== undefined && o.status !== 'signed'),
          'every recorded table transaction is settled',
        ).toBe(true);
        // Never two confirmed extensions adding the same address: rent is paid once per address.
        const extended = ops.filter((o) => o.kind === 'extend' && o.status === 'confirmed').flatMap((o) => o.addresses ?? []);
        expect(new Set(extended).size, `round ${round}: addresses extended twice`).toBe(extended.length);
        // On chain: the set's active tables hold every owner exactly once.
        const active = set.tables.filter((t) => t.state === 'active').map((t) => new PublicKey(t.address));
        const infos = await connection.getMultipleAccountsInfo(active);
        const held = infos.flatMap((info) => (info ? AddressLookupTableAccount.deserialize(info.data).addresses.map((a) => a.toBase58()) : []));
        expect(held.length, `round ${round}: addresses held`).toBe(owners.length);
        expect(new Set(held)).toEqual(new Set(owners));
        // No table the distributor paid rent for is missing from the set (it could never be closed and its rent returned).
        const lastSlot = await connection.getSlot('confirmed');
        const candidates = Array.from({ length: lastSlot - firstSlot + 64 }, (_, k) => firstSlot - 64 + k).map(
          (recentSlot) => AddressLookupTableProgram.createLookupTable({ authority, payer: authority, recentSlot })[1],
        );
        // Tables of earlier rounds are in the slot range too.
        const recorded = new Set<string>();
        for (let r = 0; r <= round; r++) for (const t of ((await kv.get(`set:review-${r}`)) as TableSet).tables) if (t.state !== 'gone') recorded.add(t.address);
        for (let i = 0; i < candidates.length; i += 100) {
          const chunk = candidates.slice(i, i + 100);
          const found = await connection.getMultipleAccountsInfo(chunk);
          found.forEach((info, k) => {
            if (info)
              expect(recorded.has((chunk[k] as PublicKey).toBase58()), `round ${round}: table ${(chunk[k] as PublicKey).toBase58()} on chain but not in the set`).toBe(true);
          });
        }
      }
      expect(unsettledAtKill, 'the kills landed between a record and its settlement').toBeGreaterThan(0);
    } finally {
      for (const w of workers) w.kill();
      await Promise.all(workers.map((w) => w.exited));
      await store.close();
      await net.close();
    }
  });
});

describe('review: retiring lookup tables', () => {
  it('deleting a schedule while its table set is busy (a run preparing it) still gets the tables closed and the rent back, or leaves the schedule to delete again', {
    timeout: 240_000,
  }, async () => {
    const net = await startLocalnet({ holders: 8, seed: 13, slotMs: 50 });
    const a = await startScheduleApp({ net });
    try {
      const connection = new Connection(net.rpcUrl, 'confirmed');
      const created = await a.type(
        `/schedule create token:${net.scenario.baseMint} amount:80 reward:${net.scenario.rewardMint} every:weekly on:mon at:09:00 tz:UTC approval:auto tables:true`,
      );
      expect(created.outcome, created.reply.text).toBe('done');
      const id = /Schedule (\w{8}) created/.exec(created.reply.text)?.[1] as string;
      a.clock.now += 60_000;
      const occurrence = await a.scheduler.runNow(id, { platform: 'console', userId: 'ops-a' });
      expect(occurrence.state, JSON.stringify(occurrence.note)).toBe('started');
      await a.engine.service.whenIdle();
      expect((await a.engine.service.status(occurrence.planId as string)).record.state).toBe('completed');
      const set = await a.engine.lookupTables.get(id);
      const table = new PublicKey(set?.tables.find((t) => t.state === 'active')?.address as string);
      expect(await connection.getAccountInfo(table)).not.toBeNull();

      // Another occurrence's run (here, or in a process beside this one) is preparing the set: it holds its lease for a few seconds.
      const held = await a.store.atomic('lookup-tables').acquireLease(`lease:${id}`, { instance: 'a-run-preparing', host: 'elsewhere', pid: 4242 }, 3_000);
      expect(held.acquired).toBe(true);
      const deleted = await a.type(`/schedule delete id:${id}`);
      const stillThere = await a.book.get(id, { includeDeleted: true });

      await new Promise((r) => setTimeout(r, 3_500));
      await a.scheduler.check();
      net.chain.advance(640);
      await a.scheduler.check();
      const closed = (await connection.getAccountInfo(table)) === null;
      expect(closed || stillThere !== undefined, `delete answered "${deleted.outcome}: ${deleted.reply.text}"; the schedule is gone and its table still holds its rent`).toBe(true);
    } finally {
      await a.close();
      await net.close();
    }
  });
});

describe('review: v0 payments across a SIGKILL', () => {
  it('a schedule with lookup tables, its runner killed while preparing the tables or paying, pays each holder exactly once after a restart', { timeout: 400_000 }, async () => {
    const net = await startLocalnet({ holders: 40, seed: 21, slotMs: 50 });
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-review-v0-'));
    const store = await openStore({ dataDir, sweepIntervalMs: 0 });
    const kv = store.ns('lookup-tables');
    const ledger = ledgerOf(store);
    const connection = new Connection(net.rpcUrl, 'confirmed');
    const rewardMint = new PublicKey(net.scenario.rewardMint);
    const owners = net.scenario.holders.map((h) => h.owner);
    const balances = async (): Promise<Map<string, bigint>> => {
      const out = new Map<string, bigint>();
      const keys = owners.map((o) => getAssociatedTokenAddressSync(rewardMint, new PublicKey(o), true, TOKEN_PROGRAM_ID));
      for (let i = 0; i < keys.length; i += 100) {
        const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + 100));
        infos.forEach((info, k) => out.set(owners[i + k] as string, info ? info.data.readBigUInt64LE(64) : 0n));
      }
      return out;
    };
    const now = Date.now();
    const schedule = await ScheduleBook.of(store).create({
      request: { token: net.scenario.baseMint, amount: '1000', reward: net.scenario.rewardMint },
      cadence: { every: 'weekly', at: '09:00', on: 'mon', cron: '0 9 * * 1', tz: 'UTC' },
      approval: 'operator',
      cap: null,
      lookupTables: true,
      state: 'active',
      createdBy: { platform: 'test', userId: 'review' },
      place: { platform: 'console', id: 'console' },
      createdAt: now,
      from: now,
    });
    const workers: ReturnType<typeof tablesWorker>[] = [];
    const base: TablesWorkerSpec = {
      rpcUrl: net.rpcUrl,
      keypairPath: net.scenario.keypairPath,
      dataDir,
      setId: schedule.id,
      planId: '',
      owners: [],
      requestsPerSecond: 40,
      leaseTtlMs: 1_500,
    };
    let v0 = 0;
    try {
      for (const [round, killWhen] of [
        [0, 'table op recorded'],
        [1, 'confirmed 2'],
        [2, 'confirmed 5'],
      ] as const) {
        const before = await balances();
        const payer = tablesWorker({ ...base, mode: 'pay', scheduleId: schedule.id, baseMint: net.scenario.baseMint, reward: net.scenario.rewardMint, amount: '1000' });
        workers.push(payer);
        const opsBefore = ((await kv.get(`set:${schedule.id}`)) as TableSet | undefined)?.nextSeq ?? 0;
        for (;;) {
          if (payer.lines.some((l) => 'done' in l)) break;
          if (killWhen === 'table op recorded' && (await kv.get(`op:${schedule.id}:${opsBefore}`)) !== undefined) break;
          if (killWhen.startsWith('confirmed') && payer.lines.some((l) => l['confirmed'] === Number(killWhen.split(' ')[1]))) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        payer.kill();
        await payer.exited;
        expect(
          payer.lines.some((l) => 'done' in l),
          `round ${round}: killed before the run ended; it said ${JSON.stringify(payer.lines)}`,
        ).toBe(false);
        const planId = payer.lines.find((l) => 'planId' in l)?.['planId'] as string;
        expect(planId, JSON.stringify(payer.lines)).toBeDefined();
        const recover = tablesWorker({ ...base, mode: 'recover' });
        workers.push(recover);
        await recover.exited;
        expect(
          recover.lines.find((l) => 'error' in l),
          JSON.stringify(recover.lines),
        ).toBeUndefined();

        expect((await ledger.getDistribution(planId))?.state).toBe('completed');
        const plan = await ledger.getPlan(planId);
        if (!plan) throw new Error(`plan ${planId} is gone`);
        const after = await balances();
        for (let i = 0; i < plan.recipients.length; i++) {
          const owner = plan.recipients.owner(i);
          expect((after.get(owner) ?? 0n) - (before.get(owner) ?? 0n), `round ${round}: ${owner}`).toBe(plan.recipients.amount(i));
        }
        const txs = await ledger.transactions(planId);
        expect(txs.every((t) => t.status !== 'signed')).toBe(true);
        v0 += txs.filter((t) => t.status === 'confirmed' && (Buffer.from(t.wire, 'base64')[65] as number) === 0x80).length;
      }
      // The tables were used: some payments went out as v0 transactions.
      expect(v0).toBeGreaterThan(0);
    } finally {
      for (const w of workers) w.kill();
      await Promise.all(workers.map((w) => w.exited));
      await store.close();
      await net.close();
    }
  });
});

describe('review: retiring lookup tables a run is still creating', () => {
  it('a runner that stops between deleting the schedule and retiring its tables (as /schedule delete does them, in that order) still gets the tables closed by a later check', {
    timeout: 240_000,
  }, async () => {
    const net = await startLocalnet({ holders: 8, seed: 19, slotMs: 50 });
    const a = await startScheduleApp({ net });
    try {
      const connection = new Connection(net.rpcUrl, 'confirmed');
      const created = await a.type(
        `/schedule create token:${net.scenario.baseMint} amount:80 reward:${net.scenario.rewardMint} every:weekly on:mon at:09:00 tz:UTC approval:auto tables:true`,
      );
      expect(created.outcome, created.reply.text).toBe('done');
      const id = /Schedule (\w{8}) created/.exec(created.reply.text)?.[1] as string;
      a.clock.now += 60_000;
      const occurrence = await a.scheduler.runNow(id, { platform: 'console', userId: 'ops-a' });
      expect(occurrence.state, JSON.stringify(occurrence.note)).toBe('started');
      await a.engine.service.whenIdle();
      const table = new PublicKey((await a.engine.lookupTables.get(id))?.tables.find((t) => t.state === 'active')?.address as string);
      // commands/schedule-delete.ts: the schedule is deleted first; the process stops before the next line retires its tables.
      await a.book.delete((await a.book.get(id)) as NonNullable<Awaited<ReturnType<typeof a.book.get>>>, { platform: 'console', userId: 'ops-a' }, a.clock.now);
      expect(await a.book.get(id)).toBeUndefined();
      await a.scheduler.check();
      net.chain.advance(640);
      await a.scheduler.check();
      expect(await connection.getAccountInfo(table), 'the table of a deleted schedule still holds its rent').toBeNull();
    } finally {
      await a.close();
      await net.close();
    }
  });

  it('a schedule deleted while its first run is still creating its tables gets those tables closed and the rent back', { timeout: 240_000 }, async () => {
    const net = await startLocalnet({ holders: 8, seed: 17, slotMs: 50 });
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-review-retire-'));
    const a = await startScheduleApp({ net, dataDir });
    const workers: ReturnType<typeof tablesWorker>[] = [];
    try {
      const connection = new Connection(net.rpcUrl, 'confirmed');
      const created = await a.type(`/schedule create token:${net.scenario.baseMint} amount:80 reward:SOL every:weekly on:mon at:09:00 tz:UTC approval:auto tables:true`);
      expect(created.outcome, created.reply.text).toBe('done');
      const id = /Schedule (\w{8}) created/.exec(created.reply.text)?.[1] as string;
      // The schedule's first run, in a process beside this one, is preparing its tables: slowly, under a tight request budget.
      const owners = net.scenario.holders.map((h) => h.owner);
      const preparing = tablesWorker({
        mode: 'prepare',
        rpcUrl: net.rpcUrl,
        keypairPath: net.scenario.keypairPath,
        dataDir,
        setId: id,
        planId: 'first-run',
        owners,
        requestsPerSecond: 2,
        leaseTtlMs: 3_000,
      });
      workers.push(preparing);
      await new Promise((r) => setTimeout(r, 300));
      expect(await a.engine.lookupTables.get(id), 'the tables are not made yet when the schedule is deleted').toBeUndefined();
      const deleted = await a.type(`/schedule delete id:${id}`);
      expect(deleted.outcome, deleted.reply.text).toBe('done');
      await preparing.exited;
      expect(
        preparing.lines.find((l) => 'tables' in l),
        JSON.stringify(preparing.lines),
      ).toBeDefined();
      const set = await a.engine.lookupTables.get(id);
      const table = new PublicKey(set?.tables.find((t) => t.state === 'active')?.address as string);
      expect(await connection.getAccountInfo(table)).not.toBeNull();

      await a.scheduler.check();
      net.chain.advance(640);
      await a.scheduler.check();
      expect(await connection.getAccountInfo(table), 'the table of a deleted schedule still holds its rent').toBeNull();
    } finally {
      for (const w of workers) w.kill();
      await Promise.all(workers.map((w) => w.exited));
      await a.close();
      await net.close();
    }
  });
});

describe('review: token accounts that look made', () => {
  it('holders whose token account address holds lamports but no account (anyone can send SOL there) are still paid: the plan creates their accounts', {
    timeout: 120_000,
  }, async () => {
    const h = await startHarness({ holders: 30, seed: 3 });
    const connection = new Connection(h.net.rpcUrl, 'confirmed');
    const rewardMint = new PublicKey(h.net.scenario.rewardMint);
    let prefunded = 0;
    for (const holder of h.net.scenario.holders) {
      const ata = getAssociatedTokenAddressSync(rewardMint, new PublicKey(holder.owner), true, TOKEN_PROGRAM_ID);
      if (await connection.getAccountInfo(ata)) continue;
      // 0.002 SOL sent to the address: a system account, not a token account.
      h.net.chain.airdrop(ata.toBase58(), 2_000_000n);
      prefunded++;
    }
    expect(prefunded).toBeGreaterThan(0);
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '1000', reward: h.net.scenario.rewardMint });
    expect(completed.state).toBe('completed');
    const after = await onChainBalances(connection, preview.plan);
    for (let i = 0; i < preview.plan.recipients.length; i++)
      expect(after.get(preview.plan.recipients.owner(i)), preview.plan.recipients.owner(i)).toBe(preview.plan.recipients.amount(i));
  });
});
