import { defineCommand } from '../src/chat/define.js';
import { instantParam } from '../src/i18n/index.js';

export default defineCommand({
  name: 'wallet link',
  role: 'holder',
  audit: true,
  ephemeral: true,
  options: [],
  async handler(ctx) {
    const { message, expiresAt } = await ctx.wallets.challenge(ctx.caller.actor);
    return {
      personal: true,
      text: [ctx.t('cmd.wallet.sign'), '', message, '', ctx.t('cmd.wallet.then', { at: instantParam(expiresAt) }), ctx.t('cmd.wallet.never')].join('\n'),
    };
  },
});
