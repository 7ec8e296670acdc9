/**
 * Slash-command registration, a step of its own (`tributary discord register [--guild <id>]`):
 * Discord limits global registrations per day, so nothing registers at start. One bulk overwrite
 * PUT replaces the whole set, built from the same command files the bot runs.
 *
 * Two defaults go with each command, for Discord's own menus only (the bot checks roles on every
 * call, since server admins can change both and Administrators bypass the first):
 *  - `default_member_permissions`: a command whose every subcommand is for operators asks for
 *    Manage Server, one for admins asks for Administrator; a group that holders use too (the
 *    `distribute` group has status and history) is open to everyone;
 *  - `contexts`: a command that starts payments (its whole group) is offered in servers only,
 *    unless config.discord.allowMoneyCommandsInDMs; the others in servers and DMs with the bot.
 */
import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits, REST, Routes } from 'discord.js';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody, APIApplicationCommandBasicOption, APIApplicationCommandSubcommandOption, LocalizationMap } from 'discord.js';
import type { Config } from '../../config/index.js';
import { loadCommands } from '../../chat/loader.js';
import { commandDescription, groupDescription, LOCALES, optionDescription, type Locale } from '../../i18n/index.js';
import type { AnyCommand, OptionSpec, Role } from '../../chat/types.js';

export interface RegisterOptions {
  /** Register in this server only (instant, no daily limit). Default: config.discord.guildId, else global. */
  guildId?: string;
  /** Default commands/. */
  commandsDir?: string;
}

export interface RegisterResult {
  scope: 'guild' | 'global';
  guildId?: string;
  applicationId: string;
  /** Top-level command names registered. */
  commands: string[];
}

export async function registerDiscordCommands(config: Config, opts: RegisterOptions = {}): Promise<RegisterResult> {
  const token = config.discord.token;
  if (!token) throw new Error('registering Discord commands needs the bot token: set DISCORD_TOKEN');
  const { commands, problems } = await loadCommands(opts.commandsDir);
  // A partial set would delete the missing commands from every server: refuse instead.
  if (problems.length > 0) {
    throw new Error(`not registering: ${problems.map((p) => `${p.file}: ${p.problem}`).join('; ')}`);
  }
  const rest = new REST({ version: '10', ...(config.discord.apiBase ? { api: config.discord.apiBase } : {}) }).setToken(token);
  const applicationId = config.discord.applicationId ?? ((await rest.get(Routes.currentApplication())) as { id: string }).id;
  const guildId = opts.guildId ?? config.discord.guildId ?? undefined;
  const body = discordCommandPayload(commands, { allowMoneyCommandsInDMs: config.discord.allowMoneyCommandsInDMs });
  await rest.put(guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId), { body });
  return {
    scope: guildId ? 'guild' : 'global',
    ...(guildId ? { guildId } : {}),
    applicationId,
    commands: body.map((c) => c.name),
  };
}

export interface PayloadOptions {
  /** Offer the commands that start payments in DMs too. Default false. */
  allowMoneyCommandsInDMs?: boolean;
}

/** What a role asks of a member in Discord's menus by default; holders: nothing (null). */
const MENU_PERMISSION: Record<Role, bigint | null> = {
  holder: null,
  operator: PermissionFlagsBits.ManageGuild,
  admin: PermissionFlagsBits.Administrator,
};

/** `distribute preview` and `distribute confirm` become subcommands of one `distribute` command. */
export function discordCommandPayload(commands: readonly AnyCommand[], opts: PayloadOptions = {}): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const groups = new Map<string, AnyCommand[]>();
  const out: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [];
  for (const command of [...commands].sort((a, b) => a.name.localeCompare(b.name))) {
    const [head, sub] = command.name.split(' ') as [string, string | undefined];
    if (sub === undefined) {
      out.push({
        name: head,
        description: commandDescription(command, 'en'),
        ...localized(head, (l) => commandDescription(command, l)),
        options: apiOptions(command, command.options),
        ...defaults([command], opts),
      });
    } else {
      groups.set(head, [...(groups.get(head) ?? []), command]);
    }
  }
  for (const [head, subs] of groups) {
    const names = subs.map((c) => c.name.split(' ')[1]).join(', ');
    out.push({
      name: head,
      description: (groupDescription(head, 'en') ?? `${head}: ${names}`).slice(0, 100),
      ...localized(head, (l) => (groupDescription(head, l) ?? `${head}: ${names}`).slice(0, 100)),
      options: subs.map((c): APIApplicationCommandSubcommandOption => {
        const name = c.name.split(' ')[1] as string;
        return {
          type: ApplicationCommandOptionType.Subcommand,
          name,
          description: commandDescription(c, 'en'),
          ...localized(name, (l) => commandDescription(c, l)),
          options: apiOptions(c, c.options),
        };
      }),
      ...defaults(subs, opts),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Menu permission and contexts of a top-level command made of `members` (see the file comment). */
function defaults(members: readonly AnyCommand[], opts: PayloadOptions): Pick<RESTPostAPIChatInputApplicationCommandsJSONBody, 'default_member_permissions' | 'contexts'> {
  const least: Role = members.some((c) => c.role === 'holder') ? 'holder' : members.some((c) => c.role === 'operator') ? 'operator' : 'admin';
  const permission = MENU_PERMISSION[least];
  const serverOnly = members.some((c) => c.movesMoney) && !opts.allowMoneyCommandsInDMs;
  return {
    default_member_permissions: permission === null ? null : permission.toString(),
    contexts: serverOnly ? [InteractionContextType.Guild] : [InteractionContextType.Guild, InteractionContextType.BotDM],
  };
}

/**
 * Discord's localizations for every language but English: the description in its words, the name
 * as it is (commands and options are typed the same in every language, and the docs quote them).
 */
function localized(name: string, description: (locale: Locale) => string): { name_localizations: LocalizationMap; description_localizations: LocalizationMap } {
  const names: LocalizationMap = {};
  const descriptions: LocalizationMap = {};
  for (const locale of LOCALES) {
    if (locale === 'en') continue;
    names[locale] = name;
    descriptions[locale] = description(locale);
  }
  return { name_localizations: names, description_localizations: descriptions };
}

function apiOptions(command: AnyCommand, options: readonly OptionSpec[]): APIApplicationCommandBasicOption[] {
  // Discord wants required options first; text commands take them in any order.
  const sorted = [...options].sort((a, b) => Number(Boolean(b.required)) - Number(Boolean(a.required)));
  return sorted.map((o): APIApplicationCommandBasicOption => {
    const base = { name: o.name, description: optionDescription(command, o, 'en'), ...localized(o.name, (l) => optionDescription(command, o, l)), required: Boolean(o.required) };
    switch (o.type) {
      case 'string':
        return {
          ...base,
          type: ApplicationCommandOptionType.String,
          ...(o.choices ? { choices: (o.choices as readonly string[]).map((c) => ({ name: c, value: c })) } : {}),
        };
      case 'integer':
        return {
          ...base,
          type: ApplicationCommandOptionType.Integer,
          ...(o.choices ? { choices: (o.choices as readonly number[]).map((c) => ({ name: String(c), value: c })) } : {}),
        };
      case 'boolean':
        return { ...base, type: ApplicationCommandOptionType.Boolean };
    }
  });
}
