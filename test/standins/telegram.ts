/**
 * A local stand-in for Telegram's Bot API (the HTTP server api.telegram.org
 * runs), so the real grammY bot runs against it offline:
 *
 *   const telegram = await startTelegramStandin();
 *   const bot = new Bot(telegram.token, { client: { apiRoot: telegram.apiRoot }, botInfo: telegram.botInfo });
 *   void bot.start();
 *   telegram.sendText({ text: '/status', from: 'alice' });
 *
 * grammY POSTs every call to `${apiRoot}/bot<token>/<method>`: JSON when no
 * file is involved, else multipart/form-data whose InputFile parts are named by
 * random ids referenced as `attach://<id>` and whose object fields are JSON strings.
 */
import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotCommand, Chat, MessageEntity, Update, User, UserFromGetMe } from 'grammy/types';
import { decodeBody, sendJson, startLocalServer } from './http.js';
import type { UploadedFile } from './http.js';
import { Recorder } from './record.js';
import { ChatStore } from './telegram-chats.js';
import type { StoredDocument, StoredTelegramMessage, TelegramChat } from './telegram-chats.js';
import { TelegramError, TelegramErrors } from './telegram-errors.js';
import { buildTelegramFixture } from './telegram-fixtures.js';
import type { TelegramFixture, TelegramFixtureOptions } from './telegram-fixtures.js';
import { buildMethods } from './telegram-methods.js';
import type { CallbackQueryRecord, Params } from './telegram-methods.js';
import { UpdateQueue } from './telegram-updates.js';
import type { NewUpdate } from './telegram-updates.js';

export type { StoredDocument, StoredTelegramMessage, TelegramChat, TelegramMessageVersion } from './telegram-chats.js';
export type { MemberStatus, TelegramFixture, TelegramFixtureOptions } from './telegram-fixtures.js';
export type { CallbackQueryRecord } from './telegram-methods.js';
export type { NewUpdate } from './telegram-updates.js';

export type TelegramStandinOptions = TelegramFixtureOptions;

export interface RecordedTelegramCall {
  seq: number;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** When it was answered: later than `at` for a held getUpdates. */
  answeredAt: number;
  /** The method as the URL spelled it. */
  method: string;
  /** Query, JSON and form fields merged, with JSON-typed fields (reply_markup, ...) parsed and numbers as numbers. */
  params: Params;
  files: UploadedFile[];
  /** Whether the token in the path was the stand-in's (the token itself is never recorded). */
  tokenValid: boolean;
  status: number;
  ok: boolean;
  result: unknown;
  description: string | undefined;
  /** The client gave up before the answer (grammY aborting its long poll on stop). */
  clientAborted: boolean;
}

/** Answers the next `times` calls of a method with 429 and `parameters.retry_after`. */
export interface TelegramRateLimitRule {
  method: string;
  /** Default 1. */
  times?: number;
  /** Default 1. Telegram sends whole seconds; a fraction keeps tests fast and auto-retry accepts it. */
  retryAfterSec?: number;
}

export interface SendTextInput {
  text: string;
  /** A fixture username or a user. Default: the first fixture user that is not the group's creator. */
  from?: string | User;
  /** Default: the fixture group. Pass the user's id for a private chat with the bot. */
  chatId?: number;
  replyToMessageId?: number;
}

export interface PressButtonInput {
  /** A bot message with an inline keyboard. */
  messageId: number;
  /** The callback_data of the button pressed. */
  data: string;
  from?: string | User;
  /** Default: the fixture group. */
  chatId?: number;
}

export interface TelegramStandin {
  /** Pass as grammY's `client.apiRoot`: `http://127.0.0.1:PORT`, no trailing slash. */
  apiRoot: string;
  token: string;
  /** Pass as grammY's `botInfo` to skip getMe (getMe works too). */
  botInfo: UserFromGetMe;
  fixture: TelegramFixture;
  /** Every call, in the order answered. */
  calls: RecordedTelegramCall[];
  /** Every update queued, with its update_id. */
  updates: Update[];
  /** Known chats and their messages (from users and the bot) with edit history. */
  chats: Map<number, TelegramChat>;
  /** The live (not deleted) messages of a chat, oldest first. */
  messagesIn(chatId?: number): StoredTelegramMessage[];
  /** Documents the bot sent, with filename and bytes. */
  documents: StoredDocument[];
  /** Callback queries sent, by id, with the bot's answer. */
  callbackQueries: Map<string, CallbackQueryRecord>;
  /** setMyCommands by scope key. */
  commands: Map<string, BotCommand[]>;
  /** Whether a getUpdates call is being held right now (the bot is waiting for updates). */
  isPolling(): boolean;
  /** Queues any update for getUpdates (update_id assigned). */
  sendUpdate(update: NewUpdate): Update;
  /** A user writes a text message (commands get their bot_command entity, as Telegram adds it). */
  sendText(input: SendTextInput): Update;
  /** A user presses an inline button of a bot message: a callback_query update. */
  pressButton(input: PressButtonInput): Update;
  /** The first call, already recorded or still to come, matching `predicate`. Default timeout 5 s. */
  waitForCall(predicate: (call: RecordedTelegramCall) => boolean, timeoutMs?: number): Promise<RecordedTelegramCall>;
  rateLimitNext(rule: TelegramRateLimitRule): void;
  /** Ends held long polls and closes the server. */
  close(): Promise<void>;
}

// Parameters the Bot API takes as JSON-serialized objects when they come as form fields or query strings.
const JSON_PARAMS = new Set(['reply_markup', 'entities', 'caption_entities', 'commands', 'scope', 'link_preview_options', 'reply_parameters', 'allowed_updates', 'media']);
const INTEGER_PARAMS = new Set(['chat_id', 'message_id', 'offset', 'limit', 'timeout', 'user_id', 'message_thread_id', 'reply_to_message_id', 'cache_time', 'from_chat_id']);
const BOOLEAN_PARAMS = new Set([
  'disable_notification',
  'protect_content',
  'show_alert',
  'drop_pending_updates',
  'disable_web_page_preview',
  'allow_sending_without_reply',
  'disable_content_type_detection',
]);

export async function startTelegramStandin(options: TelegramStandinOptions = {}): Promise<TelegramStandin> {
  const fixture = buildTelegramFixture(options);
  const chats = new ChatStore();
  chats.open(fixture.group);
  const updates = new UpdateQueue();
  const callbackQueries = new Map<string, CallbackQueryRecord>();
  const commands = new Map<string, BotCommand[]>();
  const methods = new Map(Object.entries(buildMethods({ fixture, chats, updates, callbackQueries, commands })).map(([name, method]) => [name.toLowerCase(), method]));
  const calls = new Recorder<RecordedTelegramCall>((c) => `${c.method} -> ${c.status}${c.description ? ` ${c.description}` : ''}`);
  const rateLimits: Array<Required<TelegramRateLimitRule>> = [];
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const call: RecordedTelegramCall = {
      seq: ++seq,
      at,
      answeredAt: at,
      method: match?.[2] ?? url.pathname,
      params: {},
      files: [],
      tokenValid: match?.[1] === fixture.token,
      status: 0,
      ok: false,
      result: undefined,
      description: undefined,
      clientAborted: false,
    };
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) aborted.abort();
    });

    let answer: { status: number; body: unknown };
    try {
      // Telegram answers an unknown path 404 and a wrong token 401, before looking at the method.
      if (!match) throw TelegramErrors.notFound();
      if (!call.tokenValid) throw TelegramErrors.unauthorized();
      const decoded = decodeBody(req.headers['content-type'], raw);
      call.params = normalizeParams({ ...Object.fromEntries(url.searchParams), ...decoded.fields }, decoded.json);
      call.files = decoded.files;
      const result = await callMethod(call.method, call.params, call.files, aborted.signal);
      answer = { status: 200, body: { ok: true, result } };
    } catch (error) {
      const telegramError = error instanceof TelegramError ? error : new TelegramError(500, `Internal Server Error: stand-in failure: ${String(error)}`);
      answer = { status: telegramError.errorCode, body: telegramError.toJSON() };
    }

    const body = answer.body as { ok: boolean; result?: unknown; description?: string };
    call.answeredAt = Date.now();
    call.status = answer.status;
    call.ok = body.ok;
    call.result = body.result;
    call.description = body.description;
    call.clientAborted = aborted.signal.aborted;
    calls.record(call);
    if (!aborted.signal.aborted) sendJson(res, answer.status, answer.body);
  };

  const callMethod = (name: string, params: Params, files: UploadedFile[], signal: AbortSignal): unknown => {
    const rule = rateLimits.find((r) => r.times > 0 && r.method.toLowerCase() === name.toLowerCase());
    if (rule) {
      rule.times -= 1;
      throw TelegramErrors.tooManyRequests(rule.retryAfterSec);
    }
    if (name.toLowerCase() === 'getupdates') {
      return updates.poll(
        {
          offset: numberParam(params['offset']),
          limit: numberParam(params['limit']),
          timeout: numberParam(params['timeout']),
          allowedUpdates: Array.isArray(params['allowed_updates']) ? (params['allowed_updates'] as string[]) : undefined,
        },
        signal,
      );
    }
    const method = methods.get(name.toLowerCase());
    if (!method) throw TelegramErrors.notFound();
    return method(params, files);
  };

  const server = await startLocalServer(handle);
  const userOf = (from: string | User | undefined): User => {
    if (typeof from === 'object') return from;
    if (typeof from === 'string') return fixture.user(from);
    const first = fixture.users.find((u) => fixture.members.get(fixture.group.id)?.get(u.id) !== 'creator') ?? fixture.users[0];
    if (!first) throw new Error('the Telegram fixture has no user; pass `from`');
    return first;
  };

  return {
    apiRoot: `http://127.0.0.1:${server.port}`,
    token: fixture.token,
    botInfo: fixture.bot,
    fixture,
    calls: calls.items,
    updates: updates.sent,
    chats: chats.chats,
    messagesIn: (chatId = fixture.group.id) => (chats.chats.get(chatId)?.messages ?? []).filter((m) => m.deletedAt === undefined),
    documents: chats.documents,
    callbackQueries,
    commands,
    isPolling: () => updates.polling,
    sendUpdate: (update) => updates.push(update),
    sendText(input) {
      const user = userOf(input.from);
      const chatId = input.chatId ?? fixture.group.id;
      // A private chat exists once the user writes to the bot; only then may the bot write back.
      const chat: Chat = chatId === user.id ? privateChat(user) : (chats.chats.get(chatId)?.chat ?? fail(`unknown chat ${chatId}`));
      chats.open(chat);
      const entities = commandEntities(input.text);
      const stored = chats.add(
        chat.id,
        user,
        { text: input.text, renderedText: input.text, parseMode: undefined, entities: entities.length > 0 ? entities : undefined, replyMarkup: undefined },
        { replyToMessageId: input.replyToMessageId },
      );
      return updates.push({ message: chats.toApi(stored) } as NewUpdate);
    },
    pressButton(input) {
      const user = userOf(input.from);
      const chatId = input.chatId ?? fixture.group.id;
      const message = chats.find(chatId, input.messageId) ?? fail(`no message ${input.messageId} in chat ${chatId}`);
      const buttons = (message.current.replyMarkup?.inline_keyboard ?? []).flat();
      if (!buttons.some((b) => 'callback_data' in b && b.callback_data === input.data)) {
        fail(`message ${input.messageId} has no button with callback_data ${input.data}`);
      }
      // Callback query ids are opaque numeric strings on Telegram.
      const id = `${randomInt(1e9)}${randomInt(1e9)}`;
      callbackQueries.set(id, { id, chatId, messageId: input.messageId, fromId: user.id, data: input.data, sentAt: Date.now(), answeredAt: undefined, answer: undefined });
      return updates.push({
        callback_query: { id, from: user, message: chats.toApi(message), chat_instance: String(-chatId), data: input.data },
      } as NewUpdate);
    },
    waitForCall: (predicate, timeoutMs) => calls.waitFor(predicate, timeoutMs),
    rateLimitNext: (rule) => rateLimits.push({ method: rule.method, times: rule.times ?? 1, retryAfterSec: rule.retryAfterSec ?? 1 }),
    async close() {
      updates.release();
      await server.close();
    },
  };
}

/** Form fields and query values are strings; the Bot API reads them by parameter type. JSON bodies are typed already. */
function normalizeParams(fields: Record<string, string>, json: unknown): Params {
  const params: Params = {};
  for (const [key, value] of Object.entries(fields)) {
    if (JSON_PARAMS.has(key)) params[key] = parseJson(value);
    else if (INTEGER_PARAMS.has(key) && /^-?\d+$/.test(value)) params[key] = Number(value);
    else if (BOOLEAN_PARAMS.has(key)) params[key] = value === 'true';
    else params[key] = value;
  }
  if (typeof json === 'object' && json !== null) Object.assign(params, json);
  // Telegram accepts chat ids as numeric strings too.
  if (typeof params['chat_id'] === 'string' && /^-?\d+$/.test(params['chat_id'])) params['chat_id'] = Number(params['chat_id']);
  return params;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new TelegramError(400, `Bad Request: can't parse JSON: ${value.slice(0, 40)}`);
  }
}

function numberParam(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** Telegram marks every `/command` or `/command@bot` at a word start as a bot_command entity (offsets in UTF-16 units, like JS). */
function commandEntities(text: string): MessageEntity[] {
  return [...text.matchAll(/(?<=^|\s)\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?/g)].map((m) => ({ type: 'bot_command', offset: m.index, length: m[0].length }));
}

function privateChat(user: User): Chat.PrivateChat {
  return { id: user.id, type: 'private', first_name: user.first_name, ...(user.username === undefined ? {} : { username: user.username }) };
}

function fail(message: string): never {
  throw new Error(message);
}
