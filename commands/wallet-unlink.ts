import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'wallet unlink',
  description: 'Remove one of your linked wallets',
  role: 'holder',
  audit: true,
  ephemeral: true,
  options: [{ name: 'address', description: 'The linked wallet to remove', type: 'string', required: true }],
  async handler(ctx, o) {
    const address = await ctx.wallets.unlink(ctx.caller.actor, o.address);
    return { text: ctx.t('cmd.wallet.unlinked', { address }) };
  },
});
