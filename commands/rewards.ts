import { defineCommand } from '../src/chat/define.js';
import { CommandError } from '../src/chat/errors.js';
import { iso, rewardAmount, shortAddress } from '../src/chat/format.js';
import { parseAddress } from '../src/engine/address.js';

const PER_WALLET = 20;

export default defineCommand({
  name: 'rewards',
  description: 'What a wallet received, per distribution (default: your linked wallets)',
  role: 'holder',
  options: [{ name: 'wallet', description: 'Any wallet address; default your linked wallets', type: 'string' }],
  async handler(ctx, o) {
    const wallets = o.wallet !== undefined ? [parseAddress(o.wallet, 'wallet').toBase58()] : await ctx.wallets.list(ctx.caller.actor);
    if (wallets.length === 0) {
      throw new CommandError('NO_LINKED_WALLET', 'you have no linked wallet: link one with /wallet link, or ask for any wallet with /rewards wallet:<address>');
    }
    const lines: string[] = [];
    for (const wallet of wallets) {
      const rewards = await ctx.app.engine.service.rewardsFor(wallet);
      if (rewards.length === 0) {
        lines.push(`${wallet}: nothing received yet.`);
        continue;
      }
      lines.push(`${wallet}:`);
      for (const r of rewards.slice(0, PER_WALLET)) {
        const proof = r.signature ? ` · ${ctx.app.explorerUrl(r.signature) ?? `signature ${r.signature}`}` : '';
        lines.push(`  ${r.distributionId} · ${rewardAmount(r.amount, r)} · ${r.status} · ${iso(r.at)}${proof}`);
      }
      if (rewards.length > PER_WALLET) lines.push(`  ... and ${rewards.length - PER_WALLET} older ones (${shortAddress(wallet)})`);
    }
    return { text: lines.join('\n') };
  },
});
