import { defineCommand } from '../src/chat/define.js';
import { stateParam } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute cancel',
  description: 'Cancel a preview, or stop a distribution: what was sent stays sent, the rest is not sent',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', description: 'Plan or distribution id, or "last"', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const { record, progress } = await ctx.app.engine.service.cancel(id, ctx.caller.actor);
    const sent = progress.paid > 0 ? ctx.t('cmd.cancel.somePaid', { paid: progress.paid, recipients: progress.recipients }) : ctx.t('cmd.cancel.nothingSent');
    return { text: ctx.t('cmd.cancel.done', { id, state: stateParam(record.state), sent }), planId: id };
  },
});
