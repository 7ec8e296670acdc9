import { defineCommand } from '../src/chat/define.js';
import { csvFileName } from '../src/chat/format.js';
import { reportAttachment } from '../src/chat/report-upload.js';

export default defineCommand({
  name: 'distribute export',
  role: 'operator',
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const id = await ctx.plans.resolveId(o.id, ctx.caller);
    // Written to a file by the engine and attached from there (or said where it is, when too big to attach).
    const report = await ctx.app.engine.service.exportCsv(id);
    const { file, note } = await reportAttachment(report, csvFileName(id), ctx.caller.chat.platform, { id });
    const text = ctx.t('cmd.export.done', { id, count: report.rows });
    return { text: note ? `${text}\n${ctx.t.say(note)}` : text, files: file ? [file] : [] };
  },
});
