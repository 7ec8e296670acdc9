import { defineCommand } from '../src/chat/define.js';
import { usage } from '../src/chat/options.js';
import { hasRole } from '../src/chat/roles.js';

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
        `You are ${ctx.caller.role === 'admin' ? 'an admin' : `an ${ctx.caller.role}`} here. Commands you may run:`,
        ...mine.map((c) => `${usage(c)}\n    ${c.description}`),
        'Options are name:value; put a value with spaces in quotes: name:"two words".',
      ].join('\n'),
    };
  },
});
