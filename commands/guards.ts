import { defineCommand } from '../src/chat/define.js';
import { shortAddress } from '../src/chat/format.js';
import { amountParam, instantParam } from '../src/i18n/index.js';
import { SpendGuards, type WindowSpending } from '../src/engine/guards.js';

export default defineCommand({
  name: 'guards',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const { t } = ctx;
    const guard = ctx.app.engine.guard;
    const { guards } = ctx.app.config;
    const allowed =
      guards.allowedRewards === null
        ? t('cmd.guards.anyReward')
        : guards.allowedRewards.length
          ? guards.allowedRewards.map((k) => (k === 'SOL' ? k : shortAddress(k))).join(', ')
          : t('unit.none');
    const lines = [t('cmd.guards.title'), t('cmd.guards.allowed', { allowed })];
    if (!(guard instanceof SpendGuards)) {
      lines.push(t('cmd.guards.noGuard'));
      return { text: lines.join('\n') };
    }
    const now = Date.now();
    const spending = await guard.spending(now);
    if (spending.length === 0) lines.push(t('cmd.guards.noLimits'));
    for (const r of spending) {
      const unit = r.key === 'SOL' ? 'SOL' : r.symbol;
      const amount = (v: bigint) => amountParam(v, r.decimals, unit);
      const parts: string[] = [];
      if (r.limits.perDistribution !== null) parts.push(t('cmd.guards.perDistribution', { cap: `${r.limits.perDistribution} ${unit}` }));
      const windowText = (w: WindowSpending) => {
        const said = { spent: amount(w.spent), ...(w.limit !== null ? { cap: amount(w.limit) } : {}), ...(w.nextRoomAt !== null ? { at: instantParam(w.nextRoomAt) } : {}) };
        const day = w.window === 'day';
        if (w.limit === null) return t(day ? 'cmd.guards.spentDayNoCap' : 'cmd.guards.spentWeekNoCap', said);
        if (w.nextRoomAt !== null) return t(day ? 'cmd.guards.spentDayRoom' : 'cmd.guards.spentWeekRoom', said);
        return t(day ? 'cmd.guards.spentDay' : 'cmd.guards.spentWeek', said);
      };
      if (r.windows.length === 0) {
        if (r.limits.perDay !== null) parts.push(t('cmd.guards.perDay', { cap: `${r.limits.perDay} ${unit}` }));
        if (r.limits.perWeek !== null) parts.push(t('cmd.guards.perWeek', { cap: `${r.limits.perWeek} ${unit}` }));
      }
      for (const w of r.windows) if (w.limit !== null || w.spent > 0n) parts.push(windowText(w));
      if (r.limits.secondApprovalAbove !== null) parts.push(t('cmd.guards.approval', { cap: `${r.limits.secondApprovalAbove} ${unit}` }));
      lines.push(`${r.key === 'SOL' ? 'SOL' : `${unit} (${r.key})`}:`, ...parts.map((p) => `    ${p}`));
    }
    lines.push(t(ctx.app.config.network === 'mainnet-beta' ? 'cmd.guards.autoMainnet' : 'cmd.guards.auto'));
    return { text: lines.join('\n') };
  },
});
