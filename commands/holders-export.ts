import { defineCommand } from '../src/chat/define.js';
import { csvText } from '../src/engine/csv.js';
import { formatAmount } from '../src/engine/amounts.js';
import { HOLDER_QUERY_OPTIONS, holderList } from '../src/chat/holders.js';

export default defineCommand({
  name: 'holders export',
  role: 'operator',
  options: HOLDER_QUERY_OPTIONS,
  async handler(ctx, o) {
    const { snapshot, filtered } = await holderList(ctx.app, o);
    const csv = csvText(
      ['owner', 'amount', 'token_accounts', 'off_curve'],
      filtered.holders.map((h) => [h.owner, formatAmount(h.amount, snapshot.decimals), String(h.tokenAccounts), String(h.offCurve)]),
    );
    return {
      text: ctx.t('cmd.holders.exported', { mint: snapshot.mint, slot: snapshot.slot, count: filtered.holders.length }),
      files: [{ name: `holders-${snapshot.mint.slice(0, 8)}-${snapshot.slot}.csv`, bytes: new TextEncoder().encode(csv), contentType: 'text/csv' }],
    };
  },
});
