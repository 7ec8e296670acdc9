/**
 * The little world the Discord stand-in serves: one bot user, one guild with
 * roles, text channels and members. Ids are real-looking snowflakes because
 * @discordjs/rest keys its rate-limit buckets on 17-19 digit ids in paths.
 */
import { ChannelType, PermissionFlagsBits } from 'discord.js';
import type { APIDMChannel, APIGuildMember, APIRole, APITextChannel, APIUser, ChannelFlags, GuildMemberFlags, RoleFlags } from 'discord.js';

const DISCORD_EPOCH = 1_420_070_400_000n;

/** Mints increasing snowflakes (timestamp << 22 | counter) so ids sort by creation like Discord's. */
export class Snowflakes {
  private counter = 0n;

  next(): string {
    this.counter = (this.counter + 1n) & 0xfffn;
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | this.counter).toString();
  }
}

export interface DiscordFixtureOptions {
  /** Default `tributary-bot`. */
  botUsername?: string;
  /** Default `Tributary Test Guild`. */
  guildName?: string;
  /**
   * Roles besides `@everyone` (which gets View Channel and Send Messages).
   * Default: one role `Tributary Operator` without extra permissions, the way
   * the bot's own role check (not Discord's permissions) is meant to gate money commands.
   */
  roles?: Array<{ name: string; permissions?: bigint }>;
  /** Text channel names. Default `['tributary-ops']`. */
  channels?: string[];
  /** Members besides the bot; `roles` are role names. Default: `alice` (operator) and `bob` (no role). */
  members?: Array<{ username: string; roles?: string[] }>;
}

export interface DiscordFixture {
  bot: APIUser;
  /** The bot's application id equals its user id, as it does for every bot made in the developer portal. */
  applicationId: string;
  guild: {
    id: string;
    name: string;
    ownerId: string;
    roles: APIRole[];
    channels: APITextChannel[];
    members: APIGuildMember[];
  };
  /** DM channels between the bot and a user, by user id; opened on first use (a DM interaction or POST /users/@me/channels). */
  dms: Map<string, APIDMChannel>;
  /**
   * Permissions denied to the bot per channel id that REST enforces but the channel's overwrites do
   * not show (they changed after the client looked): see DiscordStandin.denyBot.
   */
  unannouncedDenials: Map<string, bigint>;
  /** Lookups by name that throw with the known names, so a typo in a test reads as such. */
  roleId(name: string): string;
  channelId(name: string): string;
  member(username: string): APIGuildMember & { user: APIUser };
}

// What Discord gives @everyone in a new server, as far as a bot's posts are concerned.
const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

export function buildDiscordFixture(ids: Snowflakes, options: DiscordFixtureOptions = {}): DiscordFixture {
  const bot = user(ids.next(), options.botUsername ?? 'tributary-bot', true);
  const guildId = ids.next();
  const owner = user(ids.next(), 'guild-owner', false);

  const roleSpecs = options.roles ?? [{ name: 'Tributary Operator' }];
  const roles: APIRole[] = [
    // @everyone's role id is the guild id: discord.js relies on that for `guild.roles.everyone`.
    role(guildId, '@everyone', 0, EVERYONE_PERMISSIONS),
    ...roleSpecs.map((spec, index) => role(ids.next(), spec.name, index + 1, spec.permissions ?? 0n)),
  ];
  const roleId = (name: string): string => {
    const found = roles.find((r) => r.name === name);
    if (!found) throw new Error(`no role named ${name}; roles: ${roles.map((r) => r.name).join(', ')}`);
    return found.id;
  };

  const channels = (options.channels ?? ['tributary-ops']).map((name, position) => textChannel(ids.next(), guildId, name, position));

  const memberSpecs = options.members ?? [{ username: 'alice', roles: ['Tributary Operator'] }, { username: 'bob' }];
  const members = [member(owner, []), member(bot, []), ...memberSpecs.map((spec) => member(user(ids.next(), spec.username, false), (spec.roles ?? []).map(roleId)))];

  return {
    bot,
    applicationId: bot.id,
    guild: { id: guildId, name: options.guildName ?? 'Tributary Test Guild', ownerId: owner.id, roles, channels, members },
    dms: new Map(),
    unannouncedDenials: new Map(),
    roleId,
    channelId(name) {
      const found = channels.find((c) => c.name === name);
      if (!found) throw new Error(`no channel named ${name}; channels: ${channels.map((c) => c.name).join(', ')}`);
      return found.id;
    },
    member(username) {
      const found = members.find((m) => m.user.username === username);
      if (!found) throw new Error(`no member named ${username}; members: ${members.map((m) => m.user.username).join(', ')}`);
      return found;
    },
  };
}

/** The DM channel with `recipient`, opened if needed. */
export function openDm(fixture: DiscordFixture, ids: Snowflakes, recipient: APIUser): APIDMChannel {
  let dm = fixture.dms.get(recipient.id);
  if (!dm) {
    dm = { id: ids.next(), type: ChannelType.DM, name: null, last_message_id: null, recipients: [recipient], flags: 0 as ChannelFlags };
    fixture.dms.set(recipient.id, dm);
  }
  return dm;
}

/** A member's permissions as Discord computes them for interactions: the union of its roles and @everyone. */
export function memberPermissions(fixture: DiscordFixture, roleIds: readonly string[]): bigint {
  let permissions = 0n;
  for (const r of fixture.guild.roles) {
    if (r.id === fixture.guild.id || roleIds.includes(r.id)) permissions |= BigInt(r.permissions);
  }
  // Administrators hold every permission; the owner check is left out because tests pass roles explicitly.
  return permissions & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : permissions;
}

const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/**
 * The bot's permissions in a channel, as Discord computes them: its roles (none: @everyone), then
 * the channel's overwrites for @everyone and for the bot. DMs allow what a DM allows.
 */
export function botPermissionsIn(fixture: DiscordFixture, channelId: string): bigint {
  let permissions = memberPermissions(fixture, []);
  const channel = fixture.guild.channels.find((c) => c.id === channelId);
  if (!channel) return permissions;
  for (const overwrite of channel.permission_overwrites ?? []) {
    if (overwrite.id === fixture.guild.id || overwrite.id === fixture.bot.id) {
      permissions = (permissions & ~BigInt(overwrite.deny)) | BigInt(overwrite.allow);
    }
  }
  return permissions;
}

export function user(id: string, username: string, bot: boolean): APIUser {
  return { id, username, discriminator: '0', global_name: bot ? null : username, avatar: null, bot };
}

export function member(u: APIUser, roles: string[]): APIGuildMember & { user: APIUser } {
  return {
    user: u,
    nick: null,
    avatar: null,
    roles,
    joined_at: new Date(0).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    communication_disabled_until: null,
    // The flag enums have no zero member; Discord sends 0 for "no flags".
    flags: 0 as GuildMemberFlags,
  };
}

function role(id: string, name: string, position: number, permissions: bigint): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}

function textChannel(id: string, guildId: string, name: string, position: number): APITextChannel {
  return {
    id,
    type: ChannelType.GuildText,
    guild_id: guildId,
    name,
    position,
    permission_overwrites: [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    default_auto_archive_duration: 1440 as APITextChannel['default_auto_archive_duration'],
    flags: 0 as ChannelFlags,
  };
}
