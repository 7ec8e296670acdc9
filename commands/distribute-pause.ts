import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'distribute pause',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const { progress } = await ctx.app.engine.service.pause(id, ctx.caller.actor);
    return {
      text: ctx.t('cmd.pause.done', { id, paid: progress.paid, recipients: progress.recipients }),
      planId: id,
    };
  },
});
