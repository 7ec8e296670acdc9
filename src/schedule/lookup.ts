/**
 * Which plans pay with lookup tables: those a schedule with `lookupTables` made. The set of tables
 * is the schedule's own (its id), kept across occurrences and retired when it is deleted
 * (src/engine/lookup-tables.ts).
 */
import type { Plan } from '../engine/ledger.js';
import type { LookupTables } from '../engine/lookup-tables.js';
import type { LookupTableContents } from '../solana/v0-message.js';
import type { ScheduleBook } from './book.js';

/** The executor's source of lookup tables (ExecutorDeps.lookupTables): a schedule's, prepared for the plan. */
export function scheduleLookupTables(book: ScheduleBook, tables: LookupTables): (plan: Plan) => Promise<readonly LookupTableContents[]> {
  return async (plan) => {
    const occurrence = await book.occurrenceOfPlan(plan.id);
    if (!occurrence) return [];
    const schedule = await book.get(occurrence.scheduleId);
    if (!schedule?.lookupTables) return [];
    // What the run itself may spend in SOL: the tables' rent must leave it.
    const keep = plan.estimatedFeeLamports + plan.estimatedRentLamports + (plan.reserveLamports ?? 0n) + (plan.reward.kind === 'sol' ? plan.total : 0n);
    return tables.prepare(schedule.id, plan.reward, plan.recipients, plan.id, keep);
  };
}
