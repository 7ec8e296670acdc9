import { defineCommand } from '../src/chat/define.js';
import { scheduleById, schedulesOf } from '../src/chat/schedules.js';

export default defineCommand({
  name: 'schedule run',
  description: 'Run a schedule now, outside its times: snapshot, plan and confirm as an occurrence would',
  role: 'operator',
  audit: true,
  // An approval:auto schedule pays when run.
  movesMoney: true,
  options: [{ name: 'id', description: 'The schedule id', type: 'string', required: true }],
  async handler(ctx, o) {
    const schedule = await scheduleById(ctx.app, o.id);
    const occurrence = await schedulesOf(ctx.app).scheduler.runNow(schedule.id, ctx.caller.actor);
    const plan = occurrence.planId ? ` (plan ${occurrence.planId})` : '';
    const what: Record<string, string> = {
      started: `confirmed itself within its guards${plan}; its progress is posted where progress goes`,
      awaiting: `previewed${plan} and posted for an operator to confirm or skip: ${occurrence.note ?? ''}`,
      failed: `did not run: ${occurrence.note ?? 'see the log'}; nothing was sent`,
      skipped: `was skipped: ${occurrence.note ?? ''}`,
      claimed: 'is being prepared',
    };
    return { text: `Schedule ${schedule.id} ran now: it ${what[occurrence.state]}.`, ...(occurrence.planId ? { planId: occurrence.planId } : {}) };
  },
});
