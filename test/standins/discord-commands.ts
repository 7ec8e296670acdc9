/**
 * Application commands registered on the Discord stand-in through the bulk
 * overwrite routes (PUT .../commands), validated like Discord validates them
 * so a bad definition fails in the tests instead of at deploy time.
 */
import { ApplicationCommandOptionType, ApplicationCommandType, Locale } from 'discord.js';
import type { APIApplicationCommand, APIApplicationCommandOption } from 'discord.js';
import { DiscordErrors } from './discord-errors.js';
import type { Snowflakes } from './discord-fixtures.js';

// Discord's documented name rule for chat-input commands and options (lowercase where a case exists).
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const MAX_COMMANDS = 100;
const MAX_OPTIONS = 25;

export class CommandRegistry {
  /** Global commands, in the order of the last overwrite. */
  global: APIApplicationCommand[] = [];
  /** Guild commands by guild id. */
  readonly guilds = new Map<string, APIApplicationCommand[]>();

  constructor(
    private readonly ids: Snowflakes,
    private readonly applicationId: string,
  ) {}

  /** PUT /applications/:id[/guilds/:gid]/commands: replaces the whole set; a command keeps its id across overwrites, as on Discord. */
  overwrite(body: unknown, guildId: string | undefined): APIApplicationCommand[] {
    if (!Array.isArray(body)) throw DiscordErrors.invalidFormBody('_root', 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (body.length > MAX_COMMANDS) throw DiscordErrors.invalidFormBody('_root', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_COMMANDS} or fewer in length.`);
    const previous = this.list(guildId);
    const commands = body.map((raw: unknown, index) => {
      const definition = validateCommand(raw, String(index));
      const type = definition.type ?? ApplicationCommandType.ChatInput;
      const id = previous.find((c) => c.name === definition.name && c.type === type)?.id ?? this.ids.next();
      const command: APIApplicationCommand = {
        ...definition,
        id,
        type,
        application_id: this.applicationId,
        default_member_permissions: definition.default_member_permissions ?? null,
        version: this.ids.next(),
        ...(guildId === undefined ? {} : { guild_id: guildId }),
      };
      return command;
    });
    if (guildId === undefined) this.global = commands;
    else this.guilds.set(guildId, commands);
    return commands;
  }

  list(guildId: string | undefined): APIApplicationCommand[] {
    return guildId === undefined ? this.global : (this.guilds.get(guildId) ?? []);
  }

  /** The command a user in `guildId` would see under `name`: a guild command wins over a global one. */
  find(name: string, guildId: string | undefined): APIApplicationCommand | undefined {
    const inGuild = guildId === undefined ? undefined : this.guilds.get(guildId)?.find((c) => c.name === name);
    return inGuild ?? this.global.find((c) => c.name === name);
  }
}

type CommandDefinition = Omit<APIApplicationCommand, 'id' | 'application_id' | 'version' | 'type' | 'default_member_permissions'> & {
  type?: ApplicationCommandType;
  default_member_permissions?: string | null;
};

function validateCommand(raw: unknown, path: string): CommandDefinition {
  if (typeof raw !== 'object' || raw === null) throw DiscordErrors.invalidFormBody(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  const command = raw as CommandDefinition;
  const chatInput = (command.type ?? ApplicationCommandType.ChatInput) === ApplicationCommandType.ChatInput;
  checkName(command.name, `${path}.name`, chatInput);
  checkLocalizations(command, path, chatInput);
  if (chatInput) {
    checkDescription(command.description, `${path}.description`);
    checkOptions(command.options ?? [], `${path}.options`);
  }
  return command;
}

function checkOptions(options: readonly APIApplicationCommandOption[], path: string): void {
  if (options.length > MAX_OPTIONS) throw DiscordErrors.invalidFormBody(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_OPTIONS} or fewer in length.`);
  let sawOptional = false;
  options.forEach((option, index) => {
    const at = `${path}.${index}`;
    checkName(option.name, `${at}.name`, true);
    checkDescription(option.description, `${at}.description`);
    checkLocalizations(option, at, true);
    const nested = option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup;
    if (nested) {
      checkOptions(option.options ?? [], `${at}.options`);
      return;
    }
    const required = 'required' in option && option.required === true;
    if (required && sawOptional) {
      throw DiscordErrors.invalidFormBody(`${at}.required`, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    }
    sawOptional ||= !required;
  });
}

function checkName(name: unknown, path: string, lowercase: boolean): void {
  if (typeof name !== 'string' || !NAME.test(name) || (lowercase && name !== name.toLowerCase())) {
    throw DiscordErrors.invalidFormBody(path, 'APPLICATION_COMMAND_INVALID_NAME', `Command name is invalid: ${String(name)}`);
  }
}

/** Discord's locales (the `Locale` enum): a localization under any other key is refused. */
const DISCORD_LOCALES: ReadonlySet<string> = new Set(Object.values(Locale));

/** name_localizations and description_localizations: known locales, each value held to the rule of its field. */
function checkLocalizations(
  item: { name_localizations?: Record<string, string | null> | null; description_localizations?: Record<string, string | null> | null },
  path: string,
  lowercase: boolean,
): void {
  for (const [field, check] of [
    ['name_localizations', (v: unknown, p: string) => checkName(v, p, lowercase)],
    ['description_localizations', checkDescription],
  ] as const) {
    const map = item[field];
    if (map === undefined || map === null) continue;
    for (const [locale, value] of Object.entries(map)) {
      if (!DISCORD_LOCALES.has(locale)) throw DiscordErrors.invalidFormBody(`${path}.${field}.${locale}`, 'LOCALE_INVALID', `Invalid locale: ${locale}`);
      if (value !== null) check(value, `${path}.${field}.${locale}`);
    }
  }
}

function checkDescription(description: unknown, path: string): void {
  if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
    throw DiscordErrors.invalidFormBody(path, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
}
