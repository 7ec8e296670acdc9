import { defineCommand } from '../src/chat/define.js';
import { usage } from '../src/chat/options.js';
import { hasRole } from '../src/chat/roles.js';
import { commandDescription, msg } from '../src/i18n/index.js';

// Each entry is its usage line and its description indented below it: splitText keeps the two
// together when a platform's message limit splits the list.
export default defineCommand({
  name: 'help',
  role: 'holder',
  options: [],
  ephemeral: true,
  async handler(ctx) {
    const mine = ctx.commands.filter((c) => hasRole(ctx.caller.role, c.role)).sort((a, b) => a.name.localeCompare(b.name));
    return {
      text: [
        ctx.t('cmd.help.title', { role: msg(`unit.role.${ctx.caller.role}`) }),
        ...mine.map((c) => `${usage(c)}\n    ${commandDescription(c, ctx.t.locale)}`),
        ctx.t('cmd.help.options'),
      ].join('\n'),
    };
  },
});
