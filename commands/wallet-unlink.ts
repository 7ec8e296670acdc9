import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'wallet unlink',
  role: 'holder',
  audit: true,
  ephemeral: true,
  options: [{ name: 'address', type: 'string', required: true }],
  async handler(ctx, o) {
    const address = await ctx.wallets.unlink(ctx.caller.actor, o.address);
    return { text: ctx.t('cmd.wallet.unlinked', { address }) };
  },
});
