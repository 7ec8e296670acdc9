import { defineCommand } from '../src/chat/define.js';

export default defineCommand({
  name: 'wallet verify',
  role: 'holder',
  audit: true,
  ephemeral: true,
  options: [
    { name: 'address', type: 'string', required: true },
    { name: 'signature', type: 'string', required: true, private: true },
  ],
  async handler(ctx, o) {
    const address = await ctx.wallets.verify(ctx.caller.actor, o.address, o.signature);
    const all = await ctx.wallets.list(ctx.caller.actor);
    return { text: ctx.t('cmd.wallet.linked', { address, count: all.length }) };
  },
});
