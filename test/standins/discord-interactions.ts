/**
 * Interactions the Discord stand-in dispatches over the gateway, and what
 * became of each (acknowledged how, how fast, which message is @original).
 */
import { randomBytes } from 'node:crypto';
import { ApplicationCommandOptionType, ApplicationCommandType, ApplicationIntegrationType, ComponentType, InteractionContextType, InteractionType, Locale } from 'discord.js';
import type {
  APIApplicationCommand,
  APIApplicationCommandInteractionDataBasicOption,
  APIApplicationCommandInteractionDataOption,
  APIApplicationCommandInteractionDataSubcommandOption,
  APIApplicationCommandOption,
  APIChatInputApplicationCommandInteraction,
  APIInteraction,
  APIInteractionGuildMember,
  APIMessage,
  APIMessageComponentInteraction,
  APIUser,
} from 'discord.js';
import type { CommandRegistry } from './discord-commands.js';
import { botPermissionsIn, member as memberOf, memberPermissions, openDm } from './discord-fixtures.js';
import type { DiscordFixture, Snowflakes } from './discord-fixtures.js';
import type { MessageStore } from './discord-messages.js';

export type SimpleOptionValue = string | number | boolean;

export interface DispatchInteractionInput {
  /**
   * 2 (APPLICATION_COMMAND) or 3 (MESSAGE_COMPONENT). Default: 3 when
   * `customId` is given, else 2.
   */
  type?: InteractionType.ApplicationCommand | InteractionType.MessageComponent;
  /** Slash command, with its subcommand (group) after spaces: `distribute preview`. */
  name?: string;
  /**
   * The leaf options, raw (Discord's option array) or as a record. A record's
   * option types come from the registered command when there is one (so
   * `getInteger` works on an INTEGER option), else from the JS type.
   * USER, CHANNEL and ROLE options carry the id only: `resolved` is not filled.
   */
  options?: APIApplicationCommandInteractionDataOption[] | Record<string, SimpleOptionValue>;
  /** The clicked component's custom_id. */
  customId?: string;
  /** Default Button. */
  componentType?: ComponentType;
  /** Chosen values, for select menus. */
  values?: string[];
  /** The message that carries the component. Default: the newest message in the channel with that custom_id. */
  messageId?: string;
  /** A fixture member's username, or any user (then a guild member with `roles`). Default: the first configured member. */
  user?: string | APIUser;
  /** Role ids of the member, replacing the fixture member's roles. */
  roles?: string[];
  /** Default: the fixture's first text channel, or the user's DM channel when `guildId` is null. */
  channelId?: string;
  /** Default: the fixture guild; `null` for a DM interaction (user instead of member). */
  guildId?: string | null;
  locale?: Locale;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType.ApplicationCommand | InteractionType.MessageComponent;
  /** The command name (with subcommands) or the component's custom_id. */
  name: string;
  userId: string;
  channelId: string;
  guildId: string | undefined;
  /** For component interactions: the message the component is on. */
  messageId: string | undefined;
  dispatchedAt: number;
  /** The INTERACTION_CREATE payload as sent. */
  payload: APIInteraction;
  /** Callback type once acknowledged: 4 reply, 5 defer, 6 deferred update, 7 update, 8 autocomplete, 9 modal. */
  ackType: number | undefined;
  ackedAt: number | undefined;
  /** Milliseconds from dispatch to the callback reaching the stand-in: Discord allows 3,000. */
  responseMs: number | undefined;
  ephemeral: boolean;
  /** The message `@original` names: the response (4, 5) or the component's message (6, 7). */
  originalMessageId: string | undefined;
  followupIds: string[];
}

export interface InteractionContext {
  ids: Snowflakes;
  fixture: DiscordFixture;
  commands: CommandRegistry;
  messages: MessageStore;
}

const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

export function buildInteraction(input: DispatchInteractionInput, ctx: InteractionContext): InteractionRecord {
  const { fixture } = ctx;
  const type = input.type ?? (input.customId === undefined ? InteractionType.ApplicationCommand : InteractionType.MessageComponent);
  const guildId = input.guildId === null ? undefined : (input.guildId ?? fixture.guild.id);
  const who = resolveUser(input, fixture);
  const dm = guildId === undefined ? openDm(fixture, ctx.ids, who.user) : undefined;
  const channelId = input.channelId ?? dm?.id ?? firstChannelId(fixture);
  const roles = input.roles ?? who.roles;
  const id = ctx.ids.next();
  // Real tokens are long opaque strings; the shape only matters for URL building.
  const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;

  const channel = fixture.guild.channels.find((c) => c.id === channelId) ?? (dm?.id === channelId ? dm : undefined);
  if (!channel) throw new Error(`dispatchInteraction: unknown channel ${channelId}`);
  const base = {
    id,
    application_id: fixture.applicationId,
    token,
    version: 1 as const,
    channel_id: channelId,
    channel,
    app_permissions: botPermissionsIn(fixture, channelId).toString(),
    locale: input.locale ?? Locale.EnglishUS,
    entitlements: [],
    attachment_size_limit: DEFAULT_ATTACHMENT_LIMIT,
    ...(guildId === undefined
      ? {
          user: who.user,
          context: InteractionContextType.BotDM,
          authorizing_integration_owners: { [ApplicationIntegrationType.UserInstall]: who.user.id },
        }
      : {
          guild_id: guildId,
          guild: { id: guildId, locale: Locale.EnglishUS, features: [] },
          guild_locale: Locale.EnglishUS,
          member: guildMember(fixture, who.user, roles),
          context: InteractionContextType.Guild,
          authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: guildId },
        }),
  };

  let payload: APIInteraction;
  let name: string;
  let messageId: string | undefined;
  if (type === InteractionType.ApplicationCommand) {
    if (!input.name) throw new Error('dispatchInteraction: an application command needs `name`');
    name = input.name;
    // In a DM Discord offers global commands only; the stand-in also looks at the fixture guild's
    // (tests register there), but keeps the command's contexts.
    const head = input.name.trim().split(/\s+/)[0] ?? '';
    const registered = ctx.commands.find(head, guildId) ?? (guildId === undefined ? ctx.commands.find(head, fixture.guild.id) : undefined);
    // Discord offers a command only where its contexts allow (0 server, 1 DM with the bot).
    if (registered?.contexts && !registered.contexts.includes(guildId === undefined ? InteractionContextType.BotDM : InteractionContextType.Guild)) {
      throw new Error(`dispatchInteraction: /${input.name} is not offered ${guildId === undefined ? 'in DMs' : 'in servers'} (contexts ${JSON.stringify(registered.contexts)})`);
    }
    payload = { ...base, type, data: commandData(input.name, input.options, guildId, ctx) } as APIChatInputApplicationCommandInteraction;
  } else {
    if (input.customId === undefined) throw new Error('dispatchInteraction: a component interaction needs `customId`');
    name = input.customId;
    const message = componentMessage(input.customId, input.messageId, channelId, ctx);
    messageId = message.id;
    const data =
      (input.componentType ?? ComponentType.Button) === ComponentType.Button
        ? { custom_id: input.customId, component_type: ComponentType.Button }
        : { custom_id: input.customId, component_type: input.componentType, values: input.values ?? [], resolved: {} };
    payload = { ...base, type, data, message } as APIMessageComponentInteraction;
  }

  return {
    id,
    token,
    type,
    name,
    userId: who.user.id,
    channelId,
    guildId,
    messageId,
    dispatchedAt: Date.now(),
    payload,
    ackType: undefined,
    ackedAt: undefined,
    responseMs: undefined,
    ephemeral: false,
    originalMessageId: undefined,
    followupIds: [],
  };
}

function firstChannelId(fixture: DiscordFixture): string {
  const channel = fixture.guild.channels[0];
  if (!channel) throw new Error('dispatchInteraction: the fixture guild has no channel; pass channelId');
  return channel.id;
}

function resolveUser(input: DispatchInteractionInput, fixture: DiscordFixture): { user: APIUser; roles: string[] } {
  if (typeof input.user === 'object') return { user: input.user, roles: [] };
  if (typeof input.user === 'string') {
    const found = fixture.member(input.user);
    return { user: found.user, roles: found.roles };
  }
  const first = fixture.guild.members.find((m) => m.user.id !== fixture.bot.id && m.user.id !== fixture.guild.ownerId);
  if (!first) throw new Error('dispatchInteraction: the fixture guild has no member; pass user');
  return { user: first.user, roles: first.roles };
}

function guildMember(fixture: DiscordFixture, user: APIUser, roles: string[]): APIInteractionGuildMember {
  const known = fixture.guild.members.find((m) => m.user.id === user.id);
  const base = known ?? memberOf(user, roles);
  return { ...base, user, roles, permissions: memberPermissions(fixture, roles).toString() };
}

/** `distribute preview` + leaf options -> data with the subcommand nesting Discord uses. */
function commandData(fullName: string, options: DispatchInteractionInput['options'], guildId: string | undefined, ctx: InteractionContext) {
  const [commandName = '', ...path] = fullName.trim().split(/\s+/);
  const registered = ctx.commands.find(commandName, guildId);
  const leafDefinitions = definitionsAt(registered, path);
  let data: APIApplicationCommandInteractionDataOption[] = Array.isArray(options) ? options : toOptions(options ?? {}, leafDefinitions);
  for (const part of [...path].reverse()) {
    const isGroup = data.length === 1 && data[0]?.type === ApplicationCommandOptionType.Subcommand;
    data = [
      isGroup
        ? { type: ApplicationCommandOptionType.SubcommandGroup, name: part, options: data as APIApplicationCommandInteractionDataSubcommandOption[] }
        : { type: ApplicationCommandOptionType.Subcommand, name: part, options: data as APIApplicationCommandInteractionDataBasicOption[] },
    ];
  }
  return {
    id: registered?.id ?? ctx.ids.next(),
    name: commandName,
    type: ApplicationCommandType.ChatInput,
    ...(registered?.guild_id === undefined ? {} : { guild_id: registered.guild_id }),
    options: data,
  };
}

function definitionsAt(command: APIApplicationCommand | undefined, path: string[]): APIApplicationCommandOption[] | undefined {
  let options = command?.options;
  for (const part of path) {
    const next = options?.find((o) => o.name === part);
    options = next && 'options' in next ? (next.options as APIApplicationCommandOption[] | undefined) : undefined;
  }
  return options;
}

function toOptions(values: Record<string, SimpleOptionValue>, definitions: APIApplicationCommandOption[] | undefined): APIApplicationCommandInteractionDataBasicOption[] {
  return Object.entries(values).map(([name, value]) => {
    const defined = definitions?.find((d) => d.name === name);
    if (definitions && !defined) {
      throw new Error(`dispatchInteraction: option ${name} is not in the registered command (${definitions.map((d) => d.name).join(', ')})`);
    }
    const type = defined?.type ?? inferType(value);
    return { name, type, value } as APIApplicationCommandInteractionDataBasicOption;
  });
}

function inferType(value: SimpleOptionValue): ApplicationCommandOptionType {
  if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof value === 'number') return Number.isInteger(value) ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
  return ApplicationCommandOptionType.String;
}

function componentMessage(customId: string, messageId: string | undefined, channelId: string, ctx: InteractionContext): APIMessage {
  const stored =
    messageId === undefined
      ? ctx.messages
          .inChannel(channelId)
          .reverse()
          .find((m) => hasCustomId(m.current.components, customId))
      : ctx.messages.get(messageId);
  if (!stored) {
    throw new Error(`dispatchInteraction: no message ${messageId ?? `with a component ${customId}`} in channel ${channelId}`);
  }
  return ctx.messages.toApi(stored);
}

/** Whether a component tree (action rows, containers, sections) holds a component with this custom_id. */
function hasCustomId(components: readonly unknown[], customId: string): boolean {
  return components.some((component) => {
    if (typeof component !== 'object' || component === null) return false;
    const { custom_id: id, components: children, accessory } = component as { custom_id?: unknown; components?: unknown; accessory?: unknown };
    return id === customId || (Array.isArray(children) && hasCustomId(children, customId)) || (accessory !== undefined && hasCustomId([accessory], customId));
  });
}
