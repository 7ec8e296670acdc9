/**
 * Telegram's command menu (the "/" button), set per scope with setMyCommands at every connect:
 * Telegram keeps no daily limit on it, and a menu that matches the running commands needs no
 * separate step. Everyone sees the holder commands; chat administrators (when config makes them
 * operators) and the configured operator and admin users see theirs. The menu is only a guide: the
 * dispatcher checks the role of every call. Each scope is set once without a language (English, for
 * everyone) and once per other language with its language_code, which Telegram shows to users
 * whose app is in that language.
 */
import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope } from 'grammy/types';
import type { Logger } from 'pino';
import { commandMenu } from '../../chat/menu.js';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '../../i18n/index.js';
import type { AnyCommand, Role } from '../../chat/types.js';
import type { Config } from '../../config/index.js';

export interface ScopedMenu {
  scope: BotCommandScope;
  role: Role;
  commands: BotCommand[];
  /** Set with this language_code; absent for the default (English) menu. */
  language?: Locale;
}

/** Telegram's limit on a command's description. */
const DESCRIPTION_LIMIT = 256;

/** Every scope and its menu, broadest first (Telegram picks the narrowest scope that applies). */
export function telegramMenus(commands: readonly AnyCommand[], config: Config): ScopedMenu[] {
  // Telegram takes command names of a-z, 0-9 and _ only: a name it would refuse is left out of the menu (it still runs when typed).
  const menu = (role: Role, locale: Locale = DEFAULT_LOCALE): BotCommand[] =>
    commandMenu(commands, role, DESCRIPTION_LIMIT, locale)
      .filter((e) => /^[a-z0-9_]{1,32}$/.test(e.name))
      .map((e) => ({ command: e.name, description: e.description }));
  const out: ScopedMenu[] = [{ scope: { type: 'default' }, role: 'holder', commands: menu('holder') }];
  const { operator, admin } = config.roles;
  if (operator.telegramChatAdmins) out.push({ scope: { type: 'all_chat_administrators' }, role: 'operator', commands: menu('operator') });
  // Listed users: in their private chat with the bot, and in each group the config names.
  const groups = [
    ...new Set(
      Object.values(config.channels)
        .map((c) => c.telegram)
        .filter((id): id is string => id !== null && /^-\d+$/.test(id)),
    ),
  ];
  const listed = new Map<string, Role>();
  for (const id of operator.telegramUserIds) listed.set(id, 'operator');
  for (const id of admin.telegramUserIds) listed.set(id, 'admin');
  for (const [userId, role] of listed) {
    out.push({ scope: { type: 'chat', chat_id: Number(userId) }, role, commands: menu(role) });
    for (const group of groups) out.push({ scope: { type: 'chat_member', chat_id: Number(group), user_id: Number(userId) }, role, commands: menu(role) });
  }
  const translated = LOCALES.filter((l) => l !== DEFAULT_LOCALE).flatMap((language) => out.map((m) => ({ ...m, language, commands: menu(m.role, language) })));
  return [...out, ...translated];
}

/**
 * Sets every menu. A scope Telegram refuses (a private chat the user never opened: "chat not
 * found") is logged and skipped; the others are still set.
 */
export async function setTelegramMenus(api: Api, menus: readonly ScopedMenu[], logger: Logger): Promise<number> {
  let set = 0;
  for (const { scope, commands, role, language } of menus) {
    try {
      await api.setMyCommands(commands, { scope, ...(language ? { language_code: language } : {}) });
      set += 1;
    } catch (err) {
      logger.warn({ err, scope, role, language }, `telegram: command menu for ${scope.type} not set`);
    }
  }
  return set;
}
