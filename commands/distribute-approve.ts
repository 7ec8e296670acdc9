import { approvalRequests } from '../src/chat/approvals.js';
import { defineCommand } from '../src/chat/define.js';
import { rewardAmount, who } from '../src/chat/format.js';
import { assertProgressShown } from '../src/chat/progress-target.js';
import { sameActor } from '../src/chat/schedules.js';
import { TributaryError } from '../src/engine/errors.js';

export default defineCommand({
  name: 'distribute approve',
  description: "Approve another operator's confirm that needs a second operator (above the guard's total)",
  role: 'operator',
  audit: true,
  movesMoney: true,
  options: [{ name: 'id', description: 'The plan id waiting for approval', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = o.id.trim().toLowerCase();
    const requests = approvalRequests(ctx.app);
    const request = await requests.get(id);
    if (!request) {
      throw new TributaryError('INVALID_STATE', `plan ${id} has no confirm waiting for a second operator: the operator shown it confirms first (/distribute confirm id:${id}); nothing was done`, {
        details: { id },
      });
    }
    if (request.chat.platform !== ctx.caller.chat.platform || request.chat.id !== ctx.caller.chat.id) {
      throw new TributaryError('INVALID_STATE', `plan ${id} waits for approval in another chat, where it was confirmed; approve it there. Nothing was done`, { details: { id } });
    }
    if (sameActor(request.requestedBy, ctx.caller.actor)) {
      throw new TributaryError('APPROVAL_SELF', `you asked to send plan ${id}; a second operator must approve it, not you. Nothing was sent`, { details: { id } });
    }
    // The outcome must reach someone: the bot may post where the progress message goes.
    await assertProgressShown(ctx);
    const { plan } = await ctx.app.engine.service.confirm(id, request.requestedBy, {
      approvedBy: ctx.caller.actor,
      ...(request.acknowledgeTotal !== undefined ? { acknowledgeTotal: request.acknowledgeTotal } : {}),
    });
    await requests.done(id);
    return {
      text: `Distribution ${id} confirmed by ${who(request.requestedBy)} and approved by ${who(ctx.caller.actor)}: paying ${rewardAmount(plan.total, plan)} to ${plan.recipients.length} holders. Progress follows in one message, edited as it runs.`,
      planId: id,
      followProgress: id,
    };
  },
});
