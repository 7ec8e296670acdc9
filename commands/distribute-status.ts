import { defineCommand } from '../src/chat/define.js';
import { renderStatus } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute status',
  description: 'Where a plan or distribution stands: counts, amounts, rate, who confirmed it',
  role: 'holder',
  options: [{ name: 'id', description: 'Plan or distribution id, or "last"', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    return { text: renderStatus(await ctx.app.engine.service.status(id), ctx.t) };
  },
});
