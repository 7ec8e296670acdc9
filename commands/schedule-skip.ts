import { defineCommand } from '../src/chat/define.js';
import { whoText } from '../src/chat/format.js';
import { schedulesOf } from '../src/chat/schedules.js';
import { TributaryError } from '../src/engine/errors.js';
import { localTime } from '../src/schedule/cadence.js';

export default defineCommand({
  name: 'schedule skip',
  description: 'Skip a scheduled occurrence waiting for approval: its plan is cancelled, nothing is sent',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', description: 'The plan id of the occurrence (shown with its Confirm / Skip buttons)', type: 'string', required: true }],
  async handler(ctx, o) {
    const { book } = schedulesOf(ctx.app);
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const occurrence = await book.occurrenceOfPlan(id);
    if (!occurrence) throw new TributaryError('PLAN_NOT_FOUND', `plan ${id} was not made by a schedule; /distribute cancel id:${id} cancels a preview`, { details: { id } });
    if (occurrence.state !== 'awaiting') {
      throw new TributaryError('INVALID_STATE', `the occurrence of plan ${id} is ${occurrence.state} already; nothing was done`, { details: { id, state: occurrence.state } });
    }
    await ctx.app.engine.service.cancel(id, ctx.caller.actor);
    const note = `skipped by ${whoText(ctx.caller.actor)}`;
    await book.update({ ...occurrence, state: 'skipped', note, decidedBy: ctx.caller.actor, updatedAt: Date.now() });
    const schedule = await book.get(occurrence.scheduleId, { includeDeleted: true });
    const when = schedule ? localTime(occurrence.at, schedule.cadence.tz) : new Date(occurrence.at).toISOString();
    return { text: `The occurrence of ${when} of schedule ${occurrence.scheduleId} was ${note}: plan ${id} is cancelled and nothing was sent.`, planId: id };
  },
});
