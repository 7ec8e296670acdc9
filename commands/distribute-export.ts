import { defineCommand } from '../src/chat/define.js';
import { csvFileName } from '../src/chat/format.js';

export default defineCommand({
  name: 'distribute export',
  role: 'operator',
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    const csv = await ctx.app.engine.service.exportCsv(id);
    const rows = csv.trim().split('\r\n').length - 1;
    return {
      text: ctx.t('cmd.export.done', { id, count: rows }),
      files: [{ name: csvFileName(id), bytes: new TextEncoder().encode(csv), contentType: 'text/csv' }],
    };
  },
});
