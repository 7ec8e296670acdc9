import { defineCommand } from '../src/chat/define.js';
import { formatAmount } from '../src/engine/amounts.js';
import { HOLDER_QUERY_OPTIONS, holderList } from '../src/chat/holders.js';
import { shortAddress } from '../src/chat/format.js';
import { instantParam } from '../src/i18n/index.js';

const TOP = 10;

export default defineCommand({
  name: 'holders snapshot',
  role: 'operator',
  options: HOLDER_QUERY_OPTIONS,
  async handler(ctx, o) {
    const { snapshot, rows, excluded, total } = await holderList(ctx.app, o);
    const amount = (v: bigint) => formatAmount(v, snapshot.decimals);
    const left = Object.values(excluded).reduce((a, b) => a + b, 0);
    const counts = { wallets: rows.length, left, held: amount(total), supply: amount(snapshot.totalAmount) };
    const lines = [
      ctx.t('cmd.holders.title', { mint: shortAddress(snapshot.mint), slot: snapshot.slot, at: instantParam(snapshot.takenAt) }),
      ctx.t(left ? 'cmd.holders.countLeftOut' : 'cmd.holders.count', counts),
    ];
    if (rows.length) lines.push(ctx.t('cmd.holders.top', { count: Math.min(TOP, rows.length) }));
    rows.subarray(0, TOP).forEach((row, i) => {
      const h = snapshot.holders.holder(row);
      // Basis points from bigints: a share of a 10^18 supply stays exact.
      const bp = total === 0n ? 0n : (h.amount * 10_000n) / total;
      lines.push(`${i + 1}. ${h.owner} ${amount(h.amount)} (${formatAmount(bp, 2)}%)`);
    });
    lines.push(ctx.t('cmd.holders.csv', { mint: snapshot.mint }));
    return { text: lines.join('\n') };
  },
});
