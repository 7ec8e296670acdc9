/**
 * The REST half of the Discord stand-in: routes under `/api/v10`, answered
 * with the JSON shapes of discord-api-types and Discord's error codes, every
 * call recorded.
 *
 * @discordjs/rest builds `${api}/v10${route}`, sends `Authorization: Bot <token>`
 * except on interaction callbacks and interaction webhooks (auth: false), uses
 * `?with_response=false` on every interaction callback, and sends files as
 * multipart/form-data with `files[n]` parts plus a `payload_json` part.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord.js';
import type { APIInteractionResponseCallbackData } from 'discord.js';
import type { CommandRegistry } from './discord-commands.js';
import { DiscordErrors, DiscordHttpError } from './discord-errors.js';
import { botPermissionsIn, openDm } from './discord-fixtures.js';
import { PermissionFlagsBits } from 'discord.js';
import type { DiscordFixture, Snowflakes } from './discord-fixtures.js';
import type { InteractionRecord } from './discord-interactions.js';
import type { MessageBody, MessageStore, StoredMessage } from './discord-messages.js';
import { decodeBody, sendJson, sendNoContent } from './http.js';
import type { DecodedBody, UploadedFile } from './http.js';
import type { Recorder } from './record.js';

export interface RecordedDiscordCall {
  seq: number;
  /** `Date.now()` when the request arrived. */
  at: number;
  method: string;
  /** The path below the versioned base, e.g. `/channels/1234/messages`. */
  path: string;
  /** The matched route template, e.g. `/channels/:channelId/messages`; undefined when no route matched. */
  route: string | undefined;
  query: Record<string, string>;
  /** Whether `Authorization: Bot <accepted token>` came along (the token itself is never recorded). */
  botAuth: boolean;
  /** JSON body, or the parsed `payload_json` of a multipart body. */
  json: unknown;
  files: UploadedFile[];
  status: number;
  response: unknown;
  /** For interaction callbacks and interaction webhooks: the interaction concerned. */
  interactionId: string | undefined;
}

/** Answers the next `times` matching requests with 429, to show the client's REST queue waits. */
export interface RateLimitRule {
  /** Route template (`/channels/:channelId/messages`) or a RegExp tested on the concrete path. */
  route: string | RegExp;
  /** Default: any method. */
  method?: string;
  /** Default 1. */
  times?: number;
  /** Default 250 ms. Sent as `Retry-After` in (fractional) seconds, which @discordjs/rest reads with Number(). */
  retryAfterMs?: number;
  /** Sets `X-RateLimit-Global`, which blocks every route in @discordjs/rest. Default false. */
  global?: boolean;
}

export interface DiscordRestContext {
  ids: Snowflakes;
  fixture: DiscordFixture;
  messages: MessageStore;
  commands: CommandRegistry;
  interactions: Map<string, InteractionRecord>;
  calls: Recorder<RecordedDiscordCall>;
  gatewayUrl: string;
  acceptsToken(token: string): boolean;
  interactionAckTimeoutMs: number;
  interactionTokenTtlMs: number;
}

interface Request {
  params: Record<string, string>;
  query: URLSearchParams;
  body: DecodedBody;
  /** Set by interaction routes so the call record names the interaction. */
  interactionId?: string;
}

interface Answer {
  status: number;
  body?: unknown;
}

interface Route {
  method: string;
  template: string;
  /** false for the routes discord.js calls with `auth: false` (interaction token in the path). */
  botAuth: boolean;
  handle(request: Request): Answer;
}

export class DiscordRest {
  private readonly routes: Route[];
  private readonly rateLimits: Array<Required<Omit<RateLimitRule, 'method'>> & { method: string | undefined }> = [];
  private seq = 0;

  constructor(private readonly ctx: DiscordRestContext) {
    this.routes = buildRoutes(ctx);
  }

  rateLimitNext(rule: RateLimitRule): void {
    this.rateLimits.push({
      route: rule.route,
      method: rule.method?.toUpperCase(),
      times: rule.times ?? 1,
      retryAfterMs: rule.retryAfterMs ?? 250,
      global: rule.global ?? false,
    });
  }

  handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/api\/v\d+/, '');
    const authorization = req.headers.authorization;
    const botAuth = authorization?.startsWith('Bot ') === true && this.ctx.acceptsToken(authorization.slice(4));
    const call: RecordedDiscordCall = {
      seq: ++this.seq,
      at,
      method,
      path,
      route: undefined,
      query: Object.fromEntries(url.searchParams),
      botAuth,
      json: undefined,
      files: [],
      status: 0,
      response: undefined,
      interactionId: undefined,
    };

    const answer = this.answer(call, url, req.headers['content-type'], raw);
    call.status = answer.status;
    call.response = answer.body;
    this.ctx.calls.record(call);

    if (answer.status === 204) sendNoContent(res);
    else sendJson(res, answer.status, answer.body, answer.status === 429 ? this.rateLimitHeaders(answer.body) : {});
  }

  private answer(call: RecordedDiscordCall, url: URL, contentType: string | undefined, raw: Buffer): Answer {
    try {
      if (!url.pathname.startsWith('/api/v')) throw DiscordErrors.notFound();
      const matches = this.routes.map((route) => ({ route, params: matchTemplate(route.template, call.path) })).filter((m) => m.params);
      const match = matches.find((m) => m.route.method === call.method);
      if (!match) throw matches.length > 0 ? DiscordErrors.methodNotAllowed() : DiscordErrors.notFound();
      call.route = match.route.template;

      const limited = this.takeRateLimit(call);
      if (limited) return limited;
      if (match.route.botAuth && !call.botAuth) throw DiscordErrors.unauthorized();

      let body: DecodedBody;
      try {
        body = decodeBody(contentType, raw);
      } catch {
        throw new DiscordHttpError(400, { message: 'The request body contains invalid JSON.', code: 50109 });
      }
      call.json = body.json;
      call.files = body.files;
      const request: Request = { params: match.params ?? {}, query: url.searchParams, body };
      try {
        return match.route.handle(request);
      } finally {
        call.interactionId = request.interactionId;
      }
    } catch (error) {
      if (error instanceof DiscordHttpError) return { status: error.status, body: error.body };
      // A bug in the stand-in itself: answer (and record) it loudly rather than hang the client.
      return { status: 500, body: { message: `stand-in failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, code: 0 } };
    }
  }

  private takeRateLimit(call: RecordedDiscordCall): Answer | undefined {
    const rule = this.rateLimits.find(
      (r) => r.times > 0 && (r.method === undefined || r.method === call.method) && (typeof r.route === 'string' ? r.route === call.route : r.route.test(call.path)),
    );
    if (!rule) return undefined;
    rule.times -= 1;
    return { status: 429, body: { message: 'You are being rate limited.', retry_after: rule.retryAfterMs / 1000, global: rule.global } };
  }

  private rateLimitHeaders(body: unknown): Record<string, string> {
    const { retry_after: retryAfter, global } = body as { retry_after: number; global: boolean };
    return {
      'retry-after': String(retryAfter),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': String(retryAfter),
      'x-ratelimit-bucket': 'stand-in-bucket',
      'x-ratelimit-scope': global ? 'global' : 'user',
      ...(global ? { 'x-ratelimit-global': 'true' } : {}),
    };
  }
}

/** `/channels/:channelId/messages` against `/channels/123/messages` -> `{ channelId: '123' }`, or undefined. */
function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const actual = got[index] ?? '';
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(actual);
    else if (segment !== actual) return undefined;
  }
  return params;
}

function buildRoutes(ctx: DiscordRestContext): Route[] {
  const { ids, fixture, messages, commands } = ctx;
  const ok = (body: unknown): Answer => ({ status: 200, body });
  const route = (method: string, template: string, botAuth: boolean, handle: (request: Request) => Answer): Route => ({ method, template, botAuth, handle });

  const channel = (channelId: string) => {
    const found = fixture.guild.channels.find((c) => c.id === channelId) ?? [...fixture.dms.values()].find((c) => c.id === channelId);
    if (!found) throw DiscordErrors.unknownChannel();
    return found;
  };
  /** What Discord checks before a bot reads, posts or edits in a guild channel; DMs are always open to the bot. */
  const mayUse = (channelId: string, need: { send?: boolean; files?: boolean }): void => {
    if (!fixture.guild.channels.some((c) => c.id === channelId)) return;
    const granted = botPermissionsIn(fixture, channelId) & ~(fixture.unannouncedDenials.get(channelId) ?? 0n);
    if ((granted & PermissionFlagsBits.ViewChannel) === 0n) throw DiscordErrors.missingAccess();
    if (need.send && (granted & PermissionFlagsBits.SendMessages) === 0n) throw DiscordErrors.missingPermissions();
    if (need.files && (granted & PermissionFlagsBits.AttachFiles) === 0n) throw DiscordErrors.missingPermissions();
  };
  const channelMessage = (channelId: string, messageId: string): StoredMessage => {
    channel(channelId);
    const message = messages.get(messageId);
    // Ephemeral messages exist for one user only and cannot be reached through the channel.
    if (!message || message.channelId !== channelId || (message.current.flags & MessageFlags.Ephemeral) !== 0) throw DiscordErrors.unknownMessage();
    return message;
  };
  const guild = (guildId: string) => {
    if (guildId !== fixture.guild.id) throw DiscordErrors.unknownGuild();
    return fixture.guild;
  };
  const application = (appId: string): void => {
    if (appId !== fixture.applicationId) throw DiscordErrors.unknownWebhook();
  };
  const interactions = new InteractionRoutes(ctx);

  return [
    route('GET', '/gateway', false, () => ok({ url: ctx.gatewayUrl })),
    route('GET', '/gateway/bot', true, () =>
      ok({ url: ctx.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }),
    ),
    route('GET', '/users/@me', true, () => ok(fixture.bot)),
    route('POST', '/users/@me/channels', true, ({ body }) => {
      const recipientId = (body.json as { recipient_id?: unknown } | undefined)?.recipient_id;
      const recipient = fixture.guild.members.find((m) => m.user.id === recipientId)?.user;
      if (!recipient) throw DiscordErrors.invalidFormBody('recipient_id', 'NUMBER_TYPE_COERCE', 'Value is not a known user.');
      return ok(openDm(fixture, ids, recipient));
    }),
    route('GET', '/applications/@me', true, () =>
      ok({
        id: fixture.applicationId,
        name: fixture.bot.username,
        icon: null,
        description: '',
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: '0'.repeat(64),
        flags: 0,
        bot: fixture.bot,
      }),
    ),

    route('GET', '/applications/:appId/commands', true, ({ params }) => {
      application(params['appId'] ?? '');
      return ok(commands.list(undefined));
    }),
    route('PUT', '/applications/:appId/commands', true, ({ params, body }) => {
      application(params['appId'] ?? '');
      return ok(commands.overwrite(body.json, undefined));
    }),
    route('GET', '/applications/:appId/guilds/:guildId/commands', true, ({ params }) => {
      application(params['appId'] ?? '');
      return ok(commands.list(guild(params['guildId'] ?? '').id));
    }),
    route('PUT', '/applications/:appId/guilds/:guildId/commands', true, ({ params, body }) => {
      application(params['appId'] ?? '');
      return ok(commands.overwrite(body.json, guild(params['guildId'] ?? '').id));
    }),

    route('GET', '/guilds/:guildId', true, ({ params }) => {
      const g = guild(params['guildId'] ?? '');
      return ok({ id: g.id, name: g.name, owner_id: g.ownerId, roles: g.roles, emojis: [], stickers: [], features: [] });
    }),
    route('GET', '/guilds/:guildId/channels', true, ({ params }) => ok(guild(params['guildId'] ?? '').channels)),
    route('GET', '/guilds/:guildId/roles', true, ({ params }) => ok(guild(params['guildId'] ?? '').roles)),
    route('GET', '/guilds/:guildId/members/:userId', true, ({ params }) => {
      const found = guild(params['guildId'] ?? '').members.find((m) => m.user.id === params['userId']);
      if (!found) throw DiscordErrors.unknownMember();
      return ok(found);
    }),

    route('GET', '/channels/:channelId', true, ({ params }) => ok(channel(params['channelId'] ?? ''))),
    route('GET', '/channels/:channelId/messages', true, ({ params, query }) => {
      const limit = Math.min(Number(query.get('limit') ?? 50), 100);
      const visible = messages.inChannel(channel(params['channelId'] ?? '').id).filter((m) => (m.current.flags & MessageFlags.Ephemeral) === 0);
      return ok(
        visible
          .reverse()
          .slice(0, limit)
          .map((m) => messages.toApi(m)),
      );
    }),
    route('POST', '/channels/:channelId/messages', true, ({ params, body }) => {
      const target = channel(params['channelId'] ?? '');
      mayUse(target.id, { send: true, files: body.files.length > 0 });
      return ok(messages.toApi(messages.create(target.id, messageBody(body), body.files, 'channel')));
    }),
    route('GET', '/channels/:channelId/messages/:messageId', true, ({ params }) => ok(messages.toApi(channelMessage(params['channelId'] ?? '', params['messageId'] ?? '')))),
    route('PATCH', '/channels/:channelId/messages/:messageId', true, ({ params, body }) => {
      mayUse(params['channelId'] ?? '', { files: body.files.length > 0 });
      const message = channelMessage(params['channelId'] ?? '', params['messageId'] ?? '');
      return ok(messages.toApi(messages.edit(message, messageBody(body), body.files)));
    }),
    route('DELETE', '/channels/:channelId/messages/:messageId', true, ({ params }) => {
      channelMessage(params['channelId'] ?? '', params['messageId'] ?? '').deletedAt = Date.now();
      return { status: 204 };
    }),

    route('POST', '/interactions/:interactionId/:token/callback', false, (request) => interactions.callback(request)),
    route('POST', '/webhooks/:appId/:token', false, (request) => interactions.followup(request)),
    route('GET', '/webhooks/:appId/:token/messages/:messageId', false, (request) => ok(messages.toApi(interactions.webhookMessage(request)))),
    route('PATCH', '/webhooks/:appId/:token/messages/:messageId', false, (request) => {
      const message = interactions.webhookMessage(request);
      return ok(messages.toApi(messages.edit(message, messageBody(request.body), request.body.files)));
    }),
    route('DELETE', '/webhooks/:appId/:token/messages/:messageId', false, (request) => {
      interactions.webhookMessage(request).deletedAt = Date.now();
      return { status: 204 };
    }),
  ];
}

function messageBody(body: DecodedBody): MessageBody {
  if (body.json === undefined) return {};
  if (typeof body.json !== 'object' || body.json === null) throw DiscordErrors.invalidFormBody('_root', 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  return body.json as MessageBody;
}

/** Interaction callbacks and the interaction webhook (token in the path, valid 15 minutes). */
class InteractionRoutes {
  constructor(private readonly ctx: DiscordRestContext) {}

  callback(request: Request): Answer {
    const { messages } = this.ctx;
    const interaction = this.ctx.interactions.get(request.params['interactionId'] ?? '');
    if (!interaction || interaction.token !== request.params['token']) throw DiscordErrors.unknownInteraction();
    request.interactionId = interaction.id;
    if (interaction.ackType !== undefined) throw DiscordErrors.alreadyAcknowledged();
    const now = Date.now();
    // Discord forgets an interaction that was not answered within 3 s: the callback then fails with 10062.
    if (now - interaction.dispatchedAt > this.ctx.interactionAckTimeoutMs) throw DiscordErrors.unknownInteraction();

    const { type, data } = (request.body.json ?? {}) as { type?: number; data?: APIInteractionResponseCallbackData };
    const flags = data?.flags ?? 0;
    const isComponent = interaction.type === InteractionType.MessageComponent;
    let message: StoredMessage | undefined;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource:
        message = messages.create(interaction.channelId, data ?? {}, request.body.files, 'interaction-response', interaction.id);
        break;
      case InteractionResponseType.DeferredChannelMessageWithSource:
        message = messages.createLoading(interaction.channelId, flags, interaction.id);
        break;
      case InteractionResponseType.DeferredMessageUpdate:
      case InteractionResponseType.UpdateMessage: {
        if (!isComponent || interaction.messageId === undefined) {
          throw DiscordErrors.invalidFormBody('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Interaction response type is invalid for this interaction.');
        }
        const target = messages.get(interaction.messageId);
        if (!target) throw DiscordErrors.unknownMessage();
        message = type === InteractionResponseType.UpdateMessage ? messages.edit(target, data ?? {}, request.body.files) : target;
        break;
      }
      case InteractionResponseType.ApplicationCommandAutocompleteResult:
      case InteractionResponseType.Modal:
        break;
      default:
        throw DiscordErrors.invalidFormBody('type', 'BASE_TYPE_CHOICES', `Value must be one of the interaction callback types; got ${String(type)}.`);
    }

    interaction.ackType = type;
    interaction.ackedAt = now;
    interaction.responseMs = now - interaction.dispatchedAt;
    interaction.ephemeral = message !== undefined && (message.current.flags & MessageFlags.Ephemeral) !== 0;
    interaction.originalMessageId = message?.id;

    if (request.query.get('with_response') !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          activity_instance_id: null,
          response_message_id: message?.id ?? null,
          response_message_loading: message ? (message.current.flags & MessageFlags.Loading) !== 0 : null,
          response_message_ephemeral: message ? interaction.ephemeral : null,
        },
        resource: { type, ...(message ? { message: messages.toApi(message) } : {}) },
      },
    };
  }

  /** POST /webhooks/:appId/:token: a follow-up. After a deferred reply, Discord turns the first follow-up into the edit of the loading message. */
  followup(request: Request): Answer {
    const { messages } = this.ctx;
    const interaction = this.interactionForWebhook(request);
    if (interaction.ackType === undefined) throw DiscordErrors.unknownWebhook();
    const body = messageBody(request.body);
    const original = interaction.originalMessageId === undefined ? undefined : messages.get(interaction.originalMessageId);
    if (original && (original.current.flags & MessageFlags.Loading) !== 0) {
      return { status: 200, body: messages.toApi(messages.edit(original, body, request.body.files)) };
    }
    const message = messages.create(interaction.channelId, body, request.body.files, 'followup', interaction.id);
    interaction.followupIds.push(message.id);
    return { status: 200, body: messages.toApi(message) };
  }

  /** The message `:messageId` (or `@original`) of an interaction webhook. */
  webhookMessage(request: Request): StoredMessage {
    const interaction = this.interactionForWebhook(request);
    const wanted = request.params['messageId'] === '@original' ? interaction.originalMessageId : request.params['messageId'];
    const known = wanted !== undefined && (wanted === interaction.originalMessageId || interaction.followupIds.includes(wanted));
    const message = known ? this.ctx.messages.get(wanted) : undefined;
    if (!message) throw DiscordErrors.unknownMessage();
    return message;
  }

  private interactionForWebhook(request: Request): InteractionRecord {
    if (request.params['appId'] !== this.ctx.fixture.applicationId) throw DiscordErrors.unknownWebhook();
    const interaction = [...this.ctx.interactions.values()].find((i) => i.token === request.params['token']);
    if (!interaction) throw DiscordErrors.unknownWebhook();
    request.interactionId = interaction.id;
    if (Date.now() - interaction.dispatchedAt > this.ctx.interactionTokenTtlMs) throw DiscordErrors.invalidWebhookToken();
    return interaction;
  }
}
