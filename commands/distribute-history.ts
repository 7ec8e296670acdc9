import { defineCommand } from '../src/chat/define.js';
import { iso, rewardAmount } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute history',
  description: 'The latest confirmed distributions, newest first',
  role: 'holder',
  options: [{ name: 'limit', description: 'How many (1 to 25, default 10)', type: 'integer' }],
  async handler(ctx, o) {
    const limit = Math.min(25, Math.max(1, o.limit ?? 10));
    const list = await ctx.app.engine.service.history(limit);
    if (list.length === 0) return { text: 'No distribution has been confirmed yet.' };
    return {
      text: [
        `Latest ${list.length} distributions:`,
        ...list.map(
          ({ record, plan, progress }) =>
            `${record.id} · ${record.state} · ${rewardAmount(plan.total, plan)} · ${progress.paid}/${progress.recipients} paid${progress.failed ? `, ${progress.failed} failed` : ''} · ${iso(record.confirmedAt ?? record.createdAt)}`,
        ),
      ].join('\n'),
    };
  },
});
