import { defineCommand } from '../src/chat/define.js';
import { scheduleById, schedulesOf } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule run',
  role: 'operator',
  audit: true,
  // An approval:auto schedule pays when run.
  movesMoney: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const occurrence = await schedulesOf(ctx.app).scheduler.runNow(schedule.id, ctx.caller.actor);
    // The note is the scheduler's, a Message (or a string kept before the catalogue).
    const said = { id: schedule.id, plan: occurrence.planId ? ctx.t('cmd.schedule.run.plan', { id: occurrence.planId }) : '', note: occurrence.note ?? '' };
    const text =
      occurrence.state === 'failed' && occurrence.note === undefined ? ctx.t('cmd.schedule.run.failedUnknown', said) : ctx.t(`cmd.schedule.run.${occurrence.state}`, said);
    return { text, ...(occurrence.planId ? { planId: occurrence.planId } : {}) };
  },
});
