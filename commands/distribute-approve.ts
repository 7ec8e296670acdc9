import { approvalRequests } from '../src/chat/approvals.js';
import { defineCommand } from '../src/chat/define.js';
import { rewardParam, who } from '../src/chat/format.js';
import { msg } from '../src/i18n/index.js';
import { assertProgressShown } from '../src/chat/progress-target.js';
import { sameActor } from '../src/chat/schedules.js';
import { TributaryError } from '../src/engine/errors.js';

export default defineCommand({
  name: 'distribute approve',
  role: 'operator',
  audit: true,
  movesMoney: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = o.id.trim().toLowerCase();
    const requests = approvalRequests(ctx.app);
    const request = await requests.get(id);
    if (!request) {
      throw new TributaryError('INVALID_STATE', msg('err.notApprovable', { id }), { details: { id } });
    }
    if (request.chat.platform !== ctx.caller.chat.platform || request.chat.id !== ctx.caller.chat.id) {
      throw new TributaryError('INVALID_STATE', msg('err.approvalOtherChat', { id }), { details: { id } });
    }
    if (sameActor(request.requestedBy, ctx.caller.actor)) {
      throw new TributaryError('APPROVAL_SELF', msg('err.approvalSelf', { id }), { details: { id } });
    }
    // The outcome must reach someone: the bot may post where the progress message goes.
    await assertProgressShown(ctx);
    const { plan } = await ctx.app.engine.service.confirm(id, request.requestedBy, {
      approvedBy: ctx.caller.actor,
      ...(request.acknowledgeTotal !== undefined ? { acknowledgeTotal: request.acknowledgeTotal } : {}),
    });
    await requests.done(id);
    return {
      text: ctx.t('cmd.approve.done', {
        id,
        who: who(request.requestedBy),
        approver: who(ctx.caller.actor),
        total: rewardParam(plan.total, plan),
        recipients: plan.recipients.length,
      }),
      planId: id,
      followProgress: id,
    };
  },
});
