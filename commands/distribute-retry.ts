import { defineCommand } from '../src/chat/define.js';
import { assertProgressShown } from '../src/chat/progress-target.js';

export default defineCommand({
  name: 'distribute retry',
  role: 'operator',
  audit: true,
  movesMoney: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const before = await ctx.app.engine.service.status(id);
    // The outcome must reach someone: the bot may post where the progress message goes.
    await assertProgressShown(ctx);
    await ctx.app.engine.service.retryFailed(id, ctx.caller.actor);
    return { text: ctx.t('cmd.retry.done', { id, count: before.progress.failed }), planId: id, followProgress: id };
  },
});
