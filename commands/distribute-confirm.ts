import { defineCommand } from '../src/chat/define.js';
import { rewardAmount, who } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute confirm',
  description: 'Send a previewed plan (on mainnet, repeat its total with total:)',
  role: 'operator',
  audit: true,
  options: [
    { name: 'id', description: 'The plan id from the preview, or "last" for your newest preview here', type: 'string', required: true },
    { name: 'total', description: 'Mainnet only: the plan total, repeated as a second confirmation', type: 'string' },
  ],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    // Only the plan that was shown here: a plan id read in another chat confirms nothing.
    await ctx.plans.assertShownHere(id, ctx.caller);
    const { plan } = await ctx.app.engine.service.confirm(id, ctx.caller.actor, o.total !== undefined ? { acknowledgeTotal: o.total } : {});
    return {
      text: `Distribution ${id} confirmed by ${who(ctx.caller.actor)}: paying ${rewardAmount(plan.total, plan)} to ${plan.recipients.length} holders. Progress follows in one message, edited as it runs.`,
      planId: id,
      followProgress: id,
    };
  },
});
