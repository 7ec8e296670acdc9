import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'distribute pause',
  description: 'Stop sending; transactions already sent are settled first',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', description: 'Distribution id, or "last"', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const { progress } = await ctx.app.engine.service.pause(id, ctx.caller.actor);
    return {
      text: ctx.t('cmd.pause.done', { id, paid: progress.paid, recipients: progress.recipients }),
      planId: id,
    };
  },
});
