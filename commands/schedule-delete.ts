import { defineCommand } from '../src/chat/define.js';
import { scheduleById, schedulesOf } from '../src/chat/schedules.js';

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
    return {
      text: `Schedule ${schedule.id} deleted: no occurrence of it runs again. Distributions it started go on; a preview of it still waiting can be confirmed or cancelled as any preview.`,
    };
  },
});
