import { defineCommand } from '../src/chat/define.js';
import { scheduleById, schedulesOf } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule pause',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    if (schedule.state === 'paused') return { text: ctx.t('cmd.schedule.pausedAlready', { id: schedule.id }) };
    await schedulesOf(ctx.app).book.save({ ...schedule, state: 'paused', changedBy: ctx.caller.actor, changedAt: schedulesOf(ctx.app).scheduler.now() });
    return { text: ctx.t('cmd.schedule.paused', { id: schedule.id }) };
  },
});
