import { requestApproval } from '../src/chat/approvals.js';
import { defineCommand } from '../src/chat/define.js';
import { isTributaryError } from '../src/engine/errors.js';
import { assertProgressShown } from '../src/chat/progress-target.js';
import { rewardParam, who } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute confirm',
  role: 'operator',
  audit: true,
  movesMoney: true,
  options: [
    { name: 'id', type: 'string', required: true },
    { name: 'total', type: 'string' },
  ],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    // Only the operator shown the plan, in that chat (plan-origins.ts): a button press runs this too.
    await ctx.plans.assertMayConfirm(id, ctx.caller);
    // The outcome must reach someone: the bot may post where the progress message goes.
    await assertProgressShown(ctx);
    let plan;
    try {
      ({ plan } = await ctx.app.engine.service.confirm(id, ctx.caller.actor, o.total !== undefined ? { acknowledgeTotal: o.total } : {}));
    } catch (e) {
      // Above the guard's total a second operator approves (approvals.ts): kept, with an Approve button for the others.
      if (isTributaryError(e, 'APPROVAL_REQUIRED')) return requestApproval(ctx.app, ctx.caller, id, o.total, e);
      throw e;
    }
    return {
      text: ctx.t('cmd.confirm.done', { id, who: who(ctx.caller.actor), total: rewardParam(plan.total, plan), recipients: plan.recipients.length }),
      planId: id,
      followProgress: id,
    };
  },
});
