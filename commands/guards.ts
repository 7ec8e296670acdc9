import { defineCommand } from '../src/chat/define.js';
import { iso, shortAddress } from '../src/chat/format.js';
import { formatAmount } from '../src/engine/amounts.js';
import { SpendGuards, type WindowSpending } from '../src/engine/guards.js';

export default defineCommand({
  name: 'guards',
  description: 'The spending limits every confirm must fit, and what has been spent in each window',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const guard = ctx.app.engine.guard;
    const { guards } = ctx.app.config;
    const allowed = guards.allowedRewards === null ? 'any reward' : guards.allowedRewards.length ? guards.allowedRewards.map((k) => (k === 'SOL' ? k : shortAddress(k))).join(', ') : 'none';
    const lines = ['Spending guards, checked at every confirm, typed or scheduled:', `Rewards allowed: ${allowed}`];
    if (!(guard instanceof SpendGuards)) {
      lines.push('No guard runs in this process.');
      return { text: lines.join('\n') };
    }
    const now = Date.now();
    const spending = await guard.spending(now);
    if (spending.length === 0) lines.push('Limits: none (guards.limits in the config sets them per reward).');
    for (const r of spending) {
      const unit = r.key === 'SOL' ? 'SOL' : r.symbol;
      const parts: string[] = [];
      if (r.limits.perDistribution !== null) parts.push(`at most ${r.limits.perDistribution} ${unit} per distribution`);
      const windowText = (w: WindowSpending) => {
        const span = w.window === 'day' ? 'last 24 h' : 'last 7 days';
        const spent = `${formatAmount(w.spent, r.decimals)} ${unit}`;
        const room = w.nextRoomAt !== null ? `; room grows at ${iso(w.nextRoomAt)}` : '';
        return w.limit === null ? `${spent} spent in the ${span} (no cap)` : `${spent} of ${formatAmount(w.limit, r.decimals)} ${unit} spent in the ${span}${room}`;
      };
      if (r.windows.length === 0) {
        if (r.limits.perDay !== null) parts.push(`at most ${r.limits.perDay} ${unit} per rolling 24 h (nothing spent)`);
        if (r.limits.perWeek !== null) parts.push(`at most ${r.limits.perWeek} ${unit} per rolling 7 days (nothing spent)`);
      }
      for (const w of r.windows) if (w.limit !== null || w.spent > 0n) parts.push(windowText(w));
      if (r.limits.secondApprovalAbove !== null) parts.push(`a second operator approves above ${r.limits.secondApprovalAbove} ${unit}`);
      lines.push(`${r.key === 'SOL' ? 'SOL' : `${unit} (${r.key})`}:`, ...parts.map((p) => `    ${p}`));
    }
    lines.push(
      ctx.app.config.network === 'mainnet-beta'
        ? 'Schedules with approval:auto confirm by themselves only under their own cap: (mainnet).'
        : 'Schedules with approval:auto confirm by themselves within these limits, and under their own cap: when they have one.',
    );
    return { text: lines.join('\n') };
  },
});
