import { defineCommand } from '../src/chat/define.js';
import { lamportsParam, msg } from '../src/i18n/index.js';
import { who } from '../src/chat/format.js';
import { approvalText, cadenceText, localTimeText, nextText, occurrenceLine, scheduleById, schedulesOf, whatItPays } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule show',
  role: 'operator',
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const { book, scheduler } = schedulesOf(ctx.app);
    const occurrences = await book.occurrences(schedule.id, 5);
    const tables = await scheduler.lookupTableSummary(schedule);
    return {
      text: [
        ctx.t('cmd.schedule.show.title', { id: schedule.id, state: msg(`schedule.state.${schedule.state}`) }),
        ctx.t('cmd.schedule.show.pays', { pays: whatItPays(schedule, ctx.t) }),
        ctx.t('cmd.schedule.show.when', { cadence: cadenceText(schedule.cadence, ctx.t), next: nextText(schedule, ctx.t, scheduler.now()) }),
        ctx.t('cmd.schedule.show.approval', { approval: approvalText(schedule, ctx.t) }),
        ...(tables
          ? [
              tables.tables > 0
                ? ctx.t('cmd.schedule.show.tables', { count: tables.tables, addresses: tables.addresses, rent: lamportsParam(tables.rentLamports) })
                : ctx.t('cmd.schedule.show.tablesLater'),
            ]
          : []),
        ctx.t('cmd.schedule.show.created', { who: who(schedule.createdBy), at: localTimeText(schedule.createdAt, schedule.cadence.tz, ctx.t) }) +
          (schedule.changedBy && schedule.changedAt
            ? ctx.t('cmd.schedule.show.changed', { who: who(schedule.changedBy), at: localTimeText(schedule.changedAt, schedule.cadence.tz, ctx.t) })
            : ''),
        occurrences.length ? ctx.t('cmd.schedule.show.latest') : ctx.t('cmd.schedule.show.noneYet'),
        ...occurrences.map((occurrence) => occurrenceLine(schedule, occurrence, ctx.t)),
      ].join('\n'),
    };
  },
});
