import { defineCommand } from '../src/chat/define.js';
import { confirmCommand, renderPreview } from '../src/chat/format.js';
import { PLAN_FILTER_OPTIONS, refuseNegativeMin, splitList } from '../src/chat/holders.js';

export default defineCommand({
  name: 'distribute preview',
  role: 'operator',
  audit: true,
  options: [
    { name: 'token', type: 'string', required: true },
    { name: 'amount', type: 'string', required: true },
    { name: 'reward', type: 'string', required: true },
    ...PLAN_FILTER_OPTIONS,
    { name: 'refresh', type: 'boolean' },
  ],
  async handler(ctx, o) {
    if (o.min !== undefined) refuseNegativeMin(o.min);
    const preview = await ctx.app.engine.service.preview(
      {
        token: o.token,
        amount: o.amount,
        reward: o.reward,
        ...(o.mode ? { mode: o.mode as 'proportional' | 'equal' } : {}),
        ...(o.min !== undefined ? { min: o.min } : {}),
        ...(o.exclude !== undefined ? { exclude: splitList(o.exclude) } : {}),
        ...(o.max !== undefined ? { max: o.max } : {}),
        ...(o.offcurve !== undefined ? { includeOffCurve: o.offcurve } : {}),
        ...(o.refresh !== undefined ? { refreshSnapshot: o.refresh } : {}),
      },
      ctx.caller.actor,
    );
    const { id, expiresAt } = preview.plan;
    await ctx.plans.remember(id, ctx.caller);
    return {
      text: renderPreview(preview, ctx.t),
      planId: id,
      buttons: [
        { label: ctx.t('button.confirm'), command: confirmCommand(id), style: 'primary' },
        { label: ctx.t('button.cancel'), command: `/distribute cancel id:${id}`, style: 'danger' },
      ],
      buttonTtlMs: Math.max(1_000, expiresAt - Date.now()),
    };
  },
});
