import { defineCommand } from '../src/chat/define.js';
import { msg } from '../src/i18n/index.js';
import { who } from '../src/chat/format.js';
import { localTimeText, schedulesOf } from '../src/chat/schedules.js';
import { TributaryError } from '../src/engine/errors.js';

export default defineCommand({
  name: 'schedule skip',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const { book } = schedulesOf(ctx.app);
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const occurrence = await book.occurrenceOfPlan(id);
    if (!occurrence) throw new TributaryError('PLAN_NOT_FOUND', msg('cmd.schedule.skip.notScheduled', { id }), { details: { id } });
    if (occurrence.state !== 'awaiting') {
      throw new TributaryError('INVALID_STATE', msg('cmd.schedule.skip.already', { id, state: msg(`schedule.occurrence.state.${occurrence.state}`) }), {
        details: { id, state: occurrence.state },
      });
    }
    await ctx.app.engine.service.cancel(id, ctx.caller.actor);
    const note = msg('schedule.note.skippedBy', { who: who(ctx.caller.actor) });
    await book.update({ ...occurrence, state: 'skipped', note, decidedBy: ctx.caller.actor, updatedAt: Date.now() });
    const schedule = await book.get(occurrence.scheduleId, { includeDeleted: true });
    const when = schedule ? localTimeText(occurrence.at, schedule.cadence.tz, ctx.t) : new Date(occurrence.at).toISOString();
    return { text: ctx.t('cmd.schedule.skip.done', { when, schedule: occurrence.scheduleId, who: who(ctx.caller.actor), id }), planId: id };
  },
});
