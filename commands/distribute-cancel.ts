import { defineCommand } from '../src/chat/define.js';
import { stateParam } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute cancel',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const { record, progress } = await ctx.app.engine.service.cancel(id, ctx.caller.actor);
    const sent = progress.paid > 0 ? ctx.t('cmd.cancel.somePaid', { paid: progress.paid, recipients: progress.recipients }) : ctx.t('cmd.cancel.nothingSent');
    return { text: ctx.t('cmd.cancel.done', { id, state: stateParam(record.state), sent }), planId: id };
  },
});
