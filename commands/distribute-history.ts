import { defineCommand } from '../src/chat/define.js';
import { rewardParam, stateParam } from '../src/chat/format.js';
import { instantParam } from '../src/i18n/index.js';

export default defineCommand({
  name: 'distribute history',
  role: 'holder',
  options: [{ name: 'limit', type: 'integer' }],
  async handler(ctx, o) {
    const limit = Math.min(25, Math.max(1, o.limit ?? 10));
    const list = await ctx.app.engine.service.history(limit);
    if (list.length === 0) return { text: ctx.t('cmd.history.none') };
    return {
      text: [
        ctx.t('cmd.history.title', { count: list.length }),
        ...list.map(({ record, plan, progress }) =>
          ctx.t('cmd.history.line', {
            id: record.id,
            state: stateParam(record.state),
            total: rewardParam(plan.total, plan),
            paid: progress.paid,
            recipients: progress.recipients,
            failed: progress.failed ? ctx.t('cmd.history.failed', { count: progress.failed }) : '',
            at: instantParam(record.confirmedAt ?? record.createdAt),
          }),
        ),
      ].join('\n'),
    };
  },
});
