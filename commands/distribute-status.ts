import { defineCommand } from '../src/chat/define.js';
import { renderStatus } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute status',
  role: 'holder',
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    return { text: renderStatus(await ctx.app.engine.service.status(id), ctx.t) };
  },
});
