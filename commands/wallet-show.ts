import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'wallet show',
  role: 'holder',
  ephemeral: true,
  options: [],
  async handler(ctx) {
    const wallets = await ctx.wallets.list(ctx.caller.actor);
    if (wallets.length === 0) return { personal: true, text: ctx.t('cmd.wallet.none') };
    return { personal: true, text: [ctx.t('cmd.wallet.list', { count: wallets.length }), ...wallets.map((w) => `  ${w}`)].join('\n') };
  },
});
