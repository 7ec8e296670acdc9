import { defineCommand } from '../src/chat/define.js';
import { formatAmount } from '../src/engine/amounts.js';
import { HOLDER_QUERY_OPTIONS, holderList } from '../src/chat/holders.js';
import { iso, shortAddress } from '../src/chat/format.js';

const TOP = 10;

export default defineCommand({
  name: 'holders snapshot',
  description: 'Who holds a token now: count, total and the largest holders',
  role: 'operator',
  options: HOLDER_QUERY_OPTIONS,
  async handler(ctx, o) {
    const { snapshot, filtered, total } = await holderList(ctx.app, o);
    const amount = (v: bigint) => formatAmount(v, snapshot.decimals);
    const left = filtered.excluded.length ? ` (${filtered.excluded.length} left out by the filters)` : '';
    const lines = [
      `Holders of ${shortAddress(snapshot.mint)} at slot ${snapshot.slot} (${iso(snapshot.takenAt)}):`,
      `${filtered.holders.length} wallets${left}, holding ${amount(total)} of ${amount(snapshot.totalAmount)}`,
    ];
    if (filtered.holders.length) lines.push(`Top ${Math.min(TOP, filtered.holders.length)}:`);
    filtered.holders.slice(0, TOP).forEach((h, i) => {
      // Basis points from bigints: a share of a 10^18 supply stays exact.
      const bp = total === 0n ? 0n : (h.amount * 10_000n) / total;
      lines.push(`${i + 1}. ${h.owner} ${amount(h.amount)} (${formatAmount(bp, 2)}%)`);
    });
    lines.push(`CSV of all: /holders export token:${snapshot.mint}`);
    return { text: lines.join('\n') };
  },
});
