import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'distribute cancel',
  description: 'Cancel a preview, or stop a distribution: what was sent stays sent, the rest is not sent',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', description: 'Plan or distribution id, or "last"', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const { record, progress } = await ctx.app.engine.service.cancel(id, ctx.caller.actor);
    const sent = progress.paid > 0 ? ` ${progress.paid} of ${progress.recipients} recipients had been paid.` : ' Nothing was sent.';
    return { text: `Distribution ${id} is ${record.state}.${sent}`, planId: id };
  },
});
