import { defineCommand } from '../src/chat/define.js';
import { maskSecrets } from '../src/config/index.js';

export default defineCommand({
  name: 'config show',
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
        ctx.t('cmd.config.network', { network: masked.network, rpc: masked.rpc.url ?? ctx.t('cmd.config.embedded'), preset: masked.rpc.preset }),
        ctx.t(roles.operator.telegramChatAdmins ? 'cmd.config.rolesChatAdmins' : 'cmd.config.roles', {
          admins: count(roles.admin),
          operators: count(roles.operator),
          console: roles.console,
        }),
        ctx.t('cmd.config.timing', { preview: masked.distribution.previewTtlMs / 1000, edits: masked.distribution.progressEditIntervalMs / 1000 }),
        ctx.t('cmd.config.file'),
      ].join('\n'),
      files: [{ name: 'config.json', bytes: new TextEncoder().encode(`${json}\n`), contentType: 'application/json' }],
    };
  },
});
