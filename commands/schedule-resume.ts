import { defineCommand } from '../src/chat/define.js';
import { nextText, scheduleById, schedulesOf } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule resume',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const now = schedulesOf(ctx.app).scheduler.now();
    if (schedule.state === 'active') return { text: ctx.t('cmd.schedule.activeAlready', { id: schedule.id, next: nextText(schedule, ctx.t, now) }) };
    // From now: the occurrences it had while paused were declined, not missed.
    const resumed = { ...schedule, state: 'active' as const, from: now, changedBy: ctx.caller.actor, changedAt: now };
    await schedulesOf(ctx.app).book.save(resumed);
    return { text: ctx.t('cmd.schedule.resumed', { id: schedule.id, next: nextText(resumed, ctx.t, now) }) };
  },
});
