/**
 * A local stand-in for Discord: REST API and gateway on one 127.0.0.1 port,
 * so the real discord.js client runs against it offline:
 *
 *   const discord = await startDiscordStandin();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
 *   await client.login('any-token');
 *
 * discord.js finds the gateway with GET /gateway/bot on `apiBase`, so nothing
 * else needs pointing. See discord-rest.ts for the routes and discord-gateway.ts
 * for the gateway protocol.
 */
import { Locale, OverwriteType } from 'discord.js';
import type { APIApplicationCommand, ApplicationFlags, GatewayGuildCreateDispatchData, GatewayReadyDispatchData, GuildSystemChannelFlags } from 'discord.js';
import { CommandRegistry } from './discord-commands.js';
import { DiscordGateway } from './discord-gateway.js';
import type { RecordedGatewayPayload } from './discord-gateway.js';
import { buildDiscordFixture, Snowflakes } from './discord-fixtures.js';
import type { DiscordFixture, DiscordFixtureOptions } from './discord-fixtures.js';
import { buildInteraction } from './discord-interactions.js';
import type { DispatchInteractionInput, InteractionRecord } from './discord-interactions.js';
import { MessageStore } from './discord-messages.js';
import type { StoredMessage } from './discord-messages.js';
import { DiscordRest } from './discord-rest.js';
import type { RateLimitRule, RecordedDiscordCall } from './discord-rest.js';
import { startLocalServer } from './http.js';
import { Recorder } from './record.js';

export type { DiscordFixture, DiscordFixtureOptions } from './discord-fixtures.js';
export type { DispatchInteractionInput, InteractionRecord, SimpleOptionValue } from './discord-interactions.js';
export type { MessageVersion, StoredAttachment, StoredMessage } from './discord-messages.js';
export type { RateLimitRule, RecordedDiscordCall } from './discord-rest.js';
export type { RecordedGatewayPayload } from './discord-gateway.js';

export interface DiscordStandinOptions extends DiscordFixtureOptions {
  /** The only bot token accepted (REST `Authorization: Bot ...` and gateway IDENTIFY). Default: any non-empty token. */
  token?: string;
  /** Announced in HELLO. Default 41,250 ms, Discord's usual value. */
  heartbeatIntervalMs?: number;
  /** After this, an unanswered interaction is gone and its callback gets 404 Unknown interaction. Default 3,000 ms, as on Discord. */
  interactionAckTimeoutMs?: number;
  /** Lifetime of an interaction token for edits and follow-ups. Default 15 minutes, as on Discord. */
  interactionTokenTtlMs?: number;
}

export interface DiscordStandin {
  /** Pass as `rest: { api }`; discord.js appends `/v10`. Like `http://127.0.0.1:PORT/api`. */
  apiBase: string;
  /** What GET /gateway/bot announces, like `ws://127.0.0.1:PORT/gateway`. */
  gatewayUrl: string;
  /** The bot, application and guild (roles, channels, members) the stand-in serves, with lookups by name. */
  fixture: DiscordFixture;
  /** Every REST call, in arrival order, answered or not. */
  calls: RecordedDiscordCall[];
  /** Dispatched interactions by id, with how and how fast each was acknowledged. */
  interactions: Map<string, InteractionRecord>;
  /** Every message the bot created (channel posts, interaction responses, follow-ups) by id, with edit history; deleted ones keep `deletedAt`. */
  messages: Map<string, StoredMessage>;
  /** The live (not deleted) messages of a channel, oldest first, ephemeral ones included. */
  channelMessages(channelId: string): StoredMessage[];
  /** Registered application commands (bulk overwrites): `global` and per guild id. */
  commands: { readonly global: readonly APIApplicationCommand[]; readonly guilds: ReadonlyMap<string, readonly APIApplicationCommand[]> };
  /** What the bot sent over the gateway (identify tokens redacted). */
  gatewayPayloads: RecordedGatewayPayload[];
  /** Number of gateway sessions (identified or resumed connections) currently open. */
  gatewaySessions(): number;
  /** Sends an INTERACTION_CREATE with a fresh id and token to every gateway session. Throws if no session is open. */
  dispatchInteraction(input: DispatchInteractionInput): InteractionRecord;
  /** Sends any gateway dispatch (op 0) to every session; returns how many got it. */
  dispatch(event: string, data: unknown): number;
  /** Drops every gateway connection with an abnormal close code, to exercise resume. */
  disconnectGateway(): void;
  /** The first REST call, already recorded or still to come, matching `predicate`. Default timeout 5 s. */
  waitForCall(predicate: (call: RecordedDiscordCall) => boolean, timeoutMs?: number): Promise<RecordedDiscordCall>;
  /** Resolves once the interaction's callback succeeded, with its record (see `responseMs`). */
  waitForAck(interactionId: string, timeoutMs?: number): Promise<InteractionRecord>;
  /** Answers the next matching request(s) with 429 and a retry hint. */
  rateLimitNext(rule: RateLimitRule): void;
  /**
   * Denies the bot `permissions` in a channel: posts and edits there are answered 403 (50013
   * Missing Permissions, or 50001 Missing Access without View Channel) as Discord answers them.
   * With `announce` (default true) the channel gets a permission overwrite for the bot and a
   * CHANNEL_UPDATE goes out, so the client's cache and the `app_permissions` of interactions there
   * show it; false leaves both as they were, as when permissions change after the bot looked.
   */
  denyBot(channelId: string, permissions: bigint, opts?: { announce?: boolean }): void;
  /** Closes the gateway connections and the HTTP server. Destroy the discord.js client first, or it will try to reconnect. */
  close(): Promise<void>;
}

export async function startDiscordStandin(options: DiscordStandinOptions = {}): Promise<DiscordStandin> {
  const ids = new Snowflakes();
  const fixture = buildDiscordFixture(ids, options);
  const acceptsToken = (token: unknown): boolean => typeof token === 'string' && token.length > 0 && (options.token === undefined || token === options.token);
  const interactions = new Map<string, InteractionRecord>();
  const commands = new CommandRegistry(ids, fixture.applicationId);
  const calls = new Recorder<RecordedDiscordCall>((c) => `${c.method} ${c.path} -> ${c.status}`);

  // The routes need the URLs, which need the port, which exists once the server listens: the handler
  // refers to `rest` declared below (no request can come before the URLs are handed out).
  const server = await startLocalServer((req, res, body) => rest.handle(req, res, body));
  const origin = `http://127.0.0.1:${server.port}`;
  const apiBase = `${origin}/api`;
  const gatewayUrl = `ws://127.0.0.1:${server.port}/gateway`;
  const messages = new MessageStore(ids, fixture.bot, fixture.applicationId, `${origin}/cdn`);

  const gateway = new DiscordGateway({
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    acceptsToken,
    ready: (sessionId) => readyPayload(fixture, sessionId, gatewayUrl),
    guildCreates: () => [guildCreatePayload(fixture)],
  });
  server.server.on('upgrade', (req, socket, head: Buffer) => {
    if (new URL(req.url ?? '/', origin).pathname.replace(/\/$/, '') === '/gateway') gateway.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  const rest = new DiscordRest({
    ids,
    fixture,
    messages,
    commands,
    interactions,
    calls,
    gatewayUrl,
    acceptsToken,
    interactionAckTimeoutMs: options.interactionAckTimeoutMs ?? 3_000,
    interactionTokenTtlMs: options.interactionTokenTtlMs ?? 15 * 60_000,
  });

  return {
    apiBase,
    gatewayUrl,
    fixture,
    calls: calls.items,
    interactions,
    messages: messages.messages,
    channelMessages: (channelId) => messages.inChannel(channelId),
    commands,
    gatewayPayloads: gateway.received,
    gatewaySessions: () => gateway.sessionCount,
    dispatchInteraction(input) {
      const interaction = buildInteraction(input, { ids, fixture, commands, messages });
      interactions.set(interaction.id, interaction);
      // INTERACTION_CREATE needs no intent: every session gets it.
      if (gateway.dispatch('INTERACTION_CREATE', interaction.payload) === 0) {
        throw new Error('dispatchInteraction: no gateway session is open (has the client logged in and become ready?)');
      }
      return interaction;
    },
    dispatch: (event, data) => gateway.dispatch(event, data),
    disconnectGateway: () => gateway.disconnectAll(),
    waitForCall: (predicate, timeoutMs) => calls.waitFor(predicate, timeoutMs),
    async waitForAck(interactionId, timeoutMs) {
      await calls.waitFor((c) => c.interactionId === interactionId && c.route === '/interactions/:interactionId/:token/callback' && c.status < 300, timeoutMs);
      const interaction = interactions.get(interactionId);
      if (!interaction) throw new Error(`unknown interaction ${interactionId}`);
      return interaction;
    },
    rateLimitNext: (rule) => rest.rateLimitNext(rule),
    denyBot(channelId, permissions, opts = {}) {
      const channel = fixture.guild.channels.find((c) => c.id === channelId);
      if (!channel) throw new Error(`denyBot: ${channelId} is not a channel of the fixture guild`);
      if (opts.announce === false) {
        fixture.unannouncedDenials.set(channelId, (fixture.unannouncedDenials.get(channelId) ?? 0n) | permissions);
        return;
      }
      const others = (channel.permission_overwrites ?? []).filter((o) => o.id !== fixture.bot.id);
      const previous = (channel.permission_overwrites ?? []).find((o) => o.id === fixture.bot.id);
      const deny = (previous ? BigInt(previous.deny) : 0n) | permissions;
      channel.permission_overwrites = [...others, { id: fixture.bot.id, type: OverwriteType.Member, allow: '0', deny: deny.toString() }];
      gateway.dispatch('CHANNEL_UPDATE', channel);
    },
    async close() {
      await gateway.close();
      await server.close();
    },
  };
}

function readyPayload(fixture: DiscordFixture, sessionId: string, gatewayUrl: string): GatewayReadyDispatchData {
  return {
    v: 10,
    user: fixture.bot,
    // Guilds arrive unavailable in READY and become available with their GUILD_CREATE, as on Discord.
    guilds: [{ id: fixture.guild.id, unavailable: true }],
    session_id: sessionId,
    resume_gateway_url: gatewayUrl,
    shard: [0, 1],
    application: { id: fixture.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
  };
}

function guildCreatePayload(fixture: DiscordFixture): GatewayGuildCreateDispatchData {
  const { guild } = fixture;
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    region: '',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: guild.roles,
    emojis: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: guild.members.length,
    voice_states: [],
    members: guild.members,
    channels: guild.channels,
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
