/**
 * A process that runs the engine as `npm start` wires it and pays a schedule's occurrences one
 * after the other to the same holders (a repeat distribution: their reward accounts exist), with or
 * without the schedule's address lookup tables. Each occurrence is previewed for the schedule and
 * recorded as its occurrence as the scheduler records one (src/schedule/scheduler.ts), then
 * confirmed after a gap that lets the rate window empty, and timed from confirm to completed.
 * Reports over IPC.
 */
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { PublicKey, type Connection } from '@solana/web3.js';
import type { Plan } from '../../src/engine/ledger.js';
import type { RpcPresetName } from '../../src/config/index.js';
import type { RpcStats } from '../../src/localnet/index.js';
import { occurrenceKey, ScheduleBook } from '../../src/schedule/book.js';
import { parseCadence } from '../../src/schedule/cadence.js';
import { previewRequest, scheduleActor } from '../../src/schedule/scheduler.js';
import { startAppEngine } from './app-engine.js';
import { completionOf, readStats, resetStats } from '../lib/chain-stats.js';

export interface RecurringTask {
  rpcUrl: string;
  statsUrl: string;
  keypairPath: string;
  preset: RpcPresetName;
  token: string;
  reward: string;
  amount: string;
  /** The schedule keeps lookup tables (tables:true). */
  tables: boolean;
  /** Occurrences paid one after the other. */
  occurrences: number;
  /** Wait between preview and confirm. */
  gapMs: number;
  verify: boolean;
}

export interface OccurrenceResult {
  recipients: number;
  runMs: number;
  paid: number;
  failed: number;
  /** Distribution transactions (what the ledger recorded). */
  transactions: number;
  /** Lookup table transactions (create, extend) sent before the run's transfers. */
  tableTransactions: number;
  runStats: RpcStats;
  gatewayRateLimited: number;
  verified: { checked: number; wrong: number } | null;
}

export interface RecurringResult {
  tables: boolean;
  occurrences: OccurrenceResult[];
  /** Rent the tables hold at the end, lamports. */
  tableRentLamports: number;
  tablesHeld: number;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[process.argv.length - 1] as string) as RecurringTask;
  const app = await startAppEngine({ rpcUrl: task.rpcUrl, keypairPath: task.keypairPath, preset: task.preset });
  const { service, events, gateway, lookupTables, leases } = app.engine;
  const book = ScheduleBook.of(app.store);
  const now = Date.now();
  const schedule = await book.create({
    request: { token: task.token, amount: task.amount, reward: task.reward, includeOffCurve: true },
    cadence: parseCadence({ every: 'weekly', at: '09:00', tz: 'UTC' }, app.config.schedules.minIntervalMs),
    approval: 'operator',
    cap: null,
    state: 'active',
    createdBy: { platform: 'bench', userId: 'bench' },
    place: { platform: 'console', id: 'console' },
    createdAt: now,
    from: now,
    ...(task.tables ? { lookupTables: true } : {}),
  });
  const actor = scheduleActor(schedule);
  const occurrences: OccurrenceResult[] = [];
  for (let i = 0; i < task.occurrences; i++) {
    const at = now + i * 60_000;
    const preview = await service.preview({ ...previewRequest(schedule), refreshSnapshot: true }, actor);
    const { plan } = preview;
    const occurrence = {
      key: occurrenceKey(schedule.id, at),
      scheduleId: schedule.id,
      at,
      trigger: 'manual' as const,
      state: 'claimed' as const,
      claimedAt: Date.now(),
      by: leases.holder,
      updatedAt: Date.now(),
    };
    if (!(await book.claim(occurrence))) throw new Error('occurrence taken');
    await book.update({ ...occurrence, state: 'awaiting', planId: plan.id, updatedAt: Date.now() });
    // Through the engine's gateway, paced to the same budget: the check must not draw 429s either.
    const connection = gateway.connection('interactive');
    const before = task.verify ? await rewardBalances(connection, plan) : [];
    if (task.gapMs > 0) await new Promise((r) => setTimeout(r, task.gapMs));

    const opsBefore = (await lookupTables.get(schedule.id))?.nextSeq ?? 0;
    await resetStats(task.statsUrl);
    const rateLimitedBefore = gateway.stats().rateLimited;
    const completed = completionOf(events, plan.id);
    const r0 = performance.now();
    await service.confirm(plan.id, actor);
    const done = await completed;
    const runMs = performance.now() - r0;
    const runStats = await readStats(task.statsUrl);
    let verified: OccurrenceResult['verified'] = null;
    if (task.verify) {
      const after = await rewardBalances(connection, plan);
      verified = { checked: plan.recipients.length, wrong: after.filter((held, k) => held - (before[k] as bigint) !== plan.recipients.amount(k)).length };
    }
    occurrences.push({
      recipients: plan.recipients.length,
      runMs,
      paid: done.paid,
      failed: done.failed,
      transactions: done.transactionsSent,
      tableTransactions: ((await lookupTables.get(schedule.id))?.nextSeq ?? 0) - opsBefore,
      runStats,
      gatewayRateLimited: gateway.stats().rateLimited - rateLimitedBefore,
      verified,
    });
  }
  const summary = await lookupTables.summary(schedule.id);
  await app.close();
  const result: RecurringResult = { tables: task.tables, occurrences, tableRentLamports: Number(summary.rentLamports), tablesHeld: summary.tables };
  await new Promise<void>((resolve, reject) => (process.send ? process.send(result, (e: Error | null) => (e ? reject(e) : resolve())) : resolve()));
}

/** Each recipient's reward balance now: repeat occurrences are checked by what they added. */
async function rewardBalances(connection: Connection, plan: Plan): Promise<bigint[]> {
  const { reward } = plan;
  if (reward.kind !== 'spl') throw new Error('the recurring bench pays a token');
  const keys = plan.recipients.toArray().map((r) => getAssociatedTokenAddressSync(new PublicKey(reward.mint), new PublicKey(r.owner), true, new PublicKey(reward.programId)));
  const out: bigint[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + 100));
    out.push(...infos.map((info) => (info && info.data.length >= 72 ? info.data.readBigUInt64LE(64) : 0n)));
  }
  return out;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`recurring-worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
