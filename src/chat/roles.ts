/**
 * Roles from the configuration, per platform. The command layer decides with these on every call;
 * Discord's default member permissions are only a default that server admins can change (and that
 * Administrators bypass), so nothing here relies on them.
 */
import type { Config } from '../config/index.js';
import type { Role } from './types.js';

const RANK: Record<Role, number> = { holder: 0, operator: 1, admin: 2 };

export const ROLES: readonly Role[] = ['holder', 'operator', 'admin'];

export function hasRole(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** Who someone is on their platform, with what the platform tells about them. */
export type PlatformIdentity =
  | { platform: 'discord'; userId: string; roleIds: readonly string[] }
  | {
      platform: 'telegram';
      userId: string;
      /**
       * Whether the user administers the chat the command came from. Asked only when config grants
       * chat administrators the operator role and the user is not listed by id, since it costs an
       * API call.
       */
      isChatAdmin?: () => Promise<boolean>;
    }
  | { platform: 'console'; role?: Role };

export async function resolveRole(config: Config, who: PlatformIdentity): Promise<Role> {
  const { admin, operator } = config.roles;
  switch (who.platform) {
    case 'discord': {
      const listed = (members: { discordUserIds: string[]; discordRoleIds: string[] }) =>
        members.discordUserIds.includes(who.userId) || who.roleIds.some((id) => members.discordRoleIds.includes(id));
      if (listed(admin)) return 'admin';
      if (listed(operator)) return 'operator';
      return 'holder';
    }
    case 'telegram': {
      if (admin.telegramUserIds.includes(who.userId)) return 'admin';
      if (operator.telegramUserIds.includes(who.userId)) return 'operator';
      if (operator.telegramChatAdmins && who.isChatAdmin && (await who.isChatAdmin())) return 'operator';
      return 'holder';
    }
    case 'console':
      return who.role ?? consoleRole(config);
  }
}

/** config.roles.console names the terminal's role; "member" is the config's word for a holder. */
export function consoleRole(config: Config): Role {
  const role = config.roles.console;
  return role === 'member' ? 'holder' : role;
}
