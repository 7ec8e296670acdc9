import { defineCommand } from '../src/chat/define.js';
import { scheduleLine, schedulesOf } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule list',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const { book, scheduler } = schedulesOf(ctx.app);
    const schedules = await book.list();
    if (schedules.length === 0) return { text: ctx.t('cmd.schedule.none') };
    return { text: [ctx.t('cmd.schedule.list', { count: schedules.length }), ...schedules.map((s) => scheduleLine(s, ctx.t, scheduler.now()))].join('\n') };
  },
});
