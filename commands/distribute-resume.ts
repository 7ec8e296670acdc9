import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'distribute resume',
  description: 'Continue a paused distribution after checking the distributor balances',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', description: 'Distribution id, or "last"', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const { progress } = await ctx.app.engine.service.resume(id, ctx.caller.actor);
    return {
      text: `Distribution ${id} resumed: ${progress.recipients - progress.paid - progress.failed} recipients to go.`,
      planId: id,
      followProgress: id,
    };
  },
});
