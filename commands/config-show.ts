import { defineCommand } from '../src/chat/define.js';
import { maskSecrets } from '../src/config/index.js';

export default defineCommand({
  name: 'config show',
  description: 'The running configuration, secrets masked',
  role: 'admin',
  ephemeral: true,
  options: [],
  async handler(ctx) {
    const masked = maskSecrets(ctx.app.config);
    const json = JSON.stringify(masked, null, 2);
    const roles = masked.roles;
    const count = (r: { discordUserIds: string[]; discordRoleIds: string[]; telegramUserIds: string[] }) =>
      r.discordUserIds.length + r.discordRoleIds.length + r.telegramUserIds.length;
    return {
      text: [
        `Network ${masked.network} · RPC ${masked.rpc.url ?? 'embedded local chain'} (preset ${masked.rpc.preset})`,
        `Roles: ${count(roles.admin)} admin entries, ${count(roles.operator)} operator entries${roles.operator.telegramChatAdmins ? ' + Telegram chat admins' : ''}, console is ${roles.console}`,
        `Preview expires after ${masked.distribution.previewTtlMs / 1000} s; progress edits at most every ${masked.distribution.progressEditIntervalMs / 1000} s`,
        'The whole configuration, secrets masked, is in config.json.',
      ].join('\n'),
      files: [{ name: 'config.json', bytes: new TextEncoder().encode(`${json}\n`), contentType: 'application/json' }],
    };
  },
});
