import { defineCommand } from '../src/chat/define.js';
import { lamportsParam } from '../src/i18n/index.js';
import { scheduleById, schedulesOf } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule delete',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const { book, scheduler } = schedulesOf(ctx.app);
    await book.delete(schedule, ctx.caller.actor, scheduler.now());
    const tables = await scheduler.retireLookupTables(schedule);
    return {
      text: [
        ctx.t('cmd.schedule.deleted', { id: schedule.id }),
        ...(tables ? [ctx.t('cmd.schedule.deletedTables', { count: tables.tables, rent: lamportsParam(tables.rentLamports) })] : []),
      ].join('\n'),
    };
  },
});
