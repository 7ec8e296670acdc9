import { defineCommand } from '../src/chat/define.js';
import { scheduleById, schedulesOf } from '../src/chat/schedules.js';
import { formatAmount } from '../src/engine/amounts.js';

export default defineCommand({
  name: 'schedule delete',
  description: 'Delete a schedule; distributions it already started are not touched',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', description: 'The schedule id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const { book, scheduler } = schedulesOf(ctx.app);
    await book.delete(schedule, ctx.caller.actor, scheduler.now());
    const tables = await scheduler.retireLookupTables(schedule);
    return {
      text: [
        `Schedule ${schedule.id} deleted: no occurrence of it runs again. Distributions it started go on; a preview of it still waiting can be confirmed or cancelled as any preview.`,
        ...(tables
          ? [
              `Its ${tables.tables} lookup table(s) hold ${formatAmount(tables.rentLamports, 9)} SOL of rent: they are deactivated once its distributions have ended, and closed by the bot itself some 600 slots (about 4 minutes) later, when the chain allows it, even across a restart; the rent then goes back to the distributor.`,
            ]
          : []),
      ].join('\n'),
    };
  },
});
