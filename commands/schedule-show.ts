import { defineCommand } from '../src/chat/define.js';
import { whoText } from '../src/chat/format.js';
import { approvalText, nextText, occurrenceLine, scheduleById, schedulesOf, whatItPays } from '../src/chat/schedules.js';
import { describeCadence, localTime } from '../src/schedule/cadence.js';
import { formatAmount } from '../src/engine/amounts.js';

export default defineCommand({
  name: 'schedule show',
  description: 'One schedule: what it pays, when, how it is approved, and its latest occurrences',
  role: 'operator',
  options: [{ name: 'id', description: 'The schedule id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const { book, scheduler } = schedulesOf(ctx.app);
    const occurrences = await book.occurrences(schedule.id, 5);
    const tables = await scheduler.lookupTableSummary(schedule);
    return {
      text: [
        `Schedule ${schedule.id} · ${schedule.state}`,
        `Pays ${whatItPays(schedule)}`,
        `When: ${describeCadence(schedule.cadence)}; ${nextText(schedule, scheduler.now())}`,
        `Approval: ${approvalText(schedule)}`,
        ...(tables
          ? [
              tables.tables > 0
                ? `Lookup tables: ${tables.tables}, holding ${tables.addresses} addresses and ${formatAmount(tables.rentLamports, 9)} SOL of rent (returned when the schedule is deleted)`
                : 'Lookup tables: made before its first run',
            ]
          : []),
        `Created by ${whoText(schedule.createdBy)} at ${localTime(schedule.createdAt, schedule.cadence.tz)}${schedule.changedBy && schedule.changedAt ? `; last changed by ${whoText(schedule.changedBy)} at ${localTime(schedule.changedAt, schedule.cadence.tz)}` : ''}`,
        occurrences.length ? 'Latest occurrences:' : 'No occurrence has run yet.',
        ...occurrences.map((occurrence) => occurrenceLine(schedule, occurrence)),
      ].join('\n'),
    };
  },
});
