import { defineCommand } from '../src/chat/define.js';
import { CommandError } from '../src/chat/errors.js';
import { rewardParam, shortAddress } from '../src/chat/format.js';
import { instantParam, msg } from '../src/i18n/index.js';
import { parseAddress } from '../src/engine/address.js';

const PER_WALLET = 20;

export default defineCommand({
  name: 'rewards',
  role: 'holder',
  options: [{ name: 'wallet', type: 'string' }],
  async handler(ctx, o) {
    const wallets = o.wallet !== undefined ? [parseAddress(o.wallet, 'wallet').toBase58()] : await ctx.wallets.list(ctx.caller.actor);
    if (wallets.length === 0) {
      throw new CommandError('NO_LINKED_WALLET', msg('err.noLinkedWallet'));
    }
    const lines: string[] = [];
    for (const wallet of wallets) {
      const rewards = await ctx.app.engine.service.rewardsFor(wallet);
      if (rewards.length === 0) {
        lines.push(ctx.t('cmd.rewards.nothing', { wallet }));
        continue;
      }
      lines.push(ctx.t('cmd.rewards.wallet', { wallet }));
      for (const r of rewards.slice(0, PER_WALLET)) {
        const proof = r.signature ? ` · ${ctx.app.explorerUrl(r.signature) ?? ctx.t('cmd.rewards.signature', { signature: r.signature })}` : '';
        lines.push(ctx.t('cmd.rewards.line', { id: r.distributionId, amount: rewardParam(r.amount, r), status: msg(`unit.outcome.${r.status}`), at: instantParam(r.at), proof }));
      }
      if (rewards.length > PER_WALLET) lines.push(ctx.t('cmd.rewards.older', { count: rewards.length - PER_WALLET, wallet: shortAddress(wallet) }));
    }
    return { text: lines.join('\n') };
  },
});
