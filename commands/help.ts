import { defineCommand } from '../src/chat/define.js';
import { usage } from '../src/chat/options.js';
import { hasRole } from '../src/chat/roles.js';
import type { Role } from '../src/chat/types.js';

/** The article goes by the sound of the role's name: a holder, an operator, an admin. */
const ARTICLE: Record<Role, 'a' | 'an'> = { holder: 'a', operator: 'an', admin: 'an' };

// Each entry is its usage line and its description indented below it: splitText keeps the two
// together when a platform's message limit splits the list.
export default defineCommand({
  name: 'help',
  description: 'The commands you may run here',
  role: 'holder',
  options: [],
  ephemeral: true,
  async handler(ctx) {
    const mine = ctx.commands.filter((c) => hasRole(ctx.caller.role, c.role)).sort((a, b) => a.name.localeCompare(b.name));
    return {
      text: [
        `You are ${ARTICLE[ctx.caller.role]} ${ctx.caller.role} here. Commands you may run:`,
        ...mine.map((c) => `${usage(c)}\n    ${c.description}`),
        'Options are name:value; put a value with spaces in quotes: name:"two words".',
      ].join('\n'),
    };
  },
});
