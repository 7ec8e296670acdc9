import { defineCommand } from '../src/chat/define.js';
import { confirmCommand, renderPreview } from '../src/chat/format.js';
import { refuseNegativeMin, splitList } from '../src/chat/holders.js';

export default defineCommand({
  name: 'distribute preview',
  description: 'Snapshot holders and show the exact plan; nothing is sent until it is confirmed',
  role: 'operator',
  audit: true,
  options: [
    { name: 'token', description: 'Mint of the token whose holders are paid', type: 'string', required: true },
    { name: 'amount', description: 'Total to distribute, in reward units, e.g. 1000 or 0.5', type: 'string', required: true },
    { name: 'reward', description: 'SOL, or the mint address of the reward token', type: 'string', required: true },
    { name: 'mode', description: 'proportional to holdings (default) or equal shares', type: 'string', choices: ['proportional', 'equal'] },
    { name: 'min', description: 'Least holding to be paid, in token units', type: 'string' },
    { name: 'exclude', description: 'Wallets left out, separated by commas', type: 'string' },
    { name: 'max', description: 'Pay only the largest N holders', type: 'integer' },
    { name: 'offcurve', description: 'Include pools, vaults and program accounts (default false)', type: 'boolean' },
    { name: 'refresh', description: 'Take a new snapshot even if a recent one is cached', type: 'boolean' },
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
