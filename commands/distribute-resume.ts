import { defineCommand } from '../src/chat/define.js';
import { assertProgressShown } from '../src/chat/progress-target.js';

export default defineCommand({
  name: 'distribute resume',
  role: 'operator',
  audit: true,
  movesMoney: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    // The outcome must reach someone: the bot may post where the progress message goes.
    await assertProgressShown(ctx);
    const { progress } = await ctx.app.engine.service.resume(id, ctx.caller.actor);
    return {
      text: ctx.t('cmd.resume.done', { id, count: progress.recipients - progress.paid - progress.failed }),
      planId: id,
      followProgress: id,
    };
  },
});
