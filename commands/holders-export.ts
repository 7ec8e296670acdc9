import { defineCommand } from '../src/chat/define.js';
import { HOLDER_QUERY_OPTIONS, holderQuery } from '../src/chat/holders.js';
import { reportAttachment } from '../src/chat/report-upload.js';

export default defineCommand({
  name: 'holders export',
  role: 'operator',
  options: HOLDER_QUERY_OPTIONS,
  async handler(ctx, o) {
    // Written to a file by the engine and attached from there (or said where it is, when too big to attach).
    const { list, file } = await ctx.app.engine.reads.exportHolders(holderQuery(o));
    const { snapshot, rows } = list;
    const name = `holders-${snapshot.mint.slice(0, 8)}-${snapshot.slot}.csv`;
    const { file: attached, note } = await reportAttachment(file, name, ctx.caller.chat.platform, { id: snapshot.mint });
    const text = ctx.t('cmd.holders.exported', { mint: snapshot.mint, slot: snapshot.slot, count: rows.length });
    return { text: note ? `${text}\n${ctx.t.say(note)}` : text, files: attached ? [attached] : [] };
  },
});
