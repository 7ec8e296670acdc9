import { defineCommand } from '../src/chat/define.js';
import { iso } from '../src/chat/format.js';

export default defineCommand({
  name: 'wallet link',
  description: 'Get a one-time message to sign with the wallet you want to link',
  role: 'holder',
  audit: true,
  ephemeral: true,
  options: [],
  async handler(ctx) {
    const { message, expiresAt } = await ctx.wallets.challenge(ctx.caller.actor);
    return {
      personal: true,
      text: [
        'Sign this exact message (one line) with the wallet you want to link:',
        '',
        message,
        '',
        `Then, before ${iso(expiresAt)}: /wallet verify address:<your wallet address> signature:<the signature in base58>`,
        'Never paste a secret key or seed phrase anywhere: a signature is all that is needed.',
      ].join('\n'),
    };
  },
});
