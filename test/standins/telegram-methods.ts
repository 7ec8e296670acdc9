/**
 * Bot API methods of the Telegram stand-in (all but getUpdates, which holds
 * its request and lives in telegram.ts). Each takes the decoded parameters and
 * returns the `result`, or throws a TelegramError with Telegram's description.
 */
import { randomBytes } from 'node:crypto';
import type { BotCommand, InlineKeyboardMarkup, MessageEntity } from 'grammy/types';
import type { ChatStore, StoredTelegramMessage, TelegramMessageVersion } from './telegram-chats.js';
import { TelegramErrors } from './telegram-errors.js';
import { chatMember } from './telegram-fixtures.js';
import type { TelegramFixture } from './telegram-fixtures.js';
import { EntityParseError, renderText } from './telegram-format.js';
import type { UpdateQueue } from './telegram-updates.js';
import type { UploadedFile } from './http.js';

export type Params = Record<string, unknown>;
export type Method = (params: Params, files: UploadedFile[]) => unknown;

export interface CallbackQueryRecord {
  id: string;
  chatId: number;
  messageId: number;
  fromId: number;
  data: string;
  sentAt: number;
  /** Set by answerCallbackQuery. */
  answeredAt: number | undefined;
  answer: { text?: string; show_alert?: boolean; url?: string } | undefined;
}

export interface MethodContext {
  fixture: TelegramFixture;
  chats: ChatStore;
  updates: UpdateQueue;
  callbackQueries: Map<string, CallbackQueryRecord>;
  /** setMyCommands, by scope and language (`{"type":"default"}|` when neither is given). */
  commands: Map<string, BotCommand[]>;
}

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const MAX_CALLBACK_DATA_BYTES = 64;

export function buildMethods(ctx: MethodContext): Record<string, Method> {
  const { fixture, chats } = ctx;

  const botMessage = (params: Params, notFound: () => Error): StoredTelegramMessage => {
    if (params['inline_message_id'] !== undefined) throw notFound(); // inline messages are not emulated
    const chatId = chatIdOf(params);
    chats.writable(chatId);
    const message = chats.find(chatId, int(params, 'message_id'));
    if (!message) throw notFound();
    return message;
  };

  return {
    getMe: () => fixture.bot,
    logOut: () => true,
    close: () => true,
    deleteWebhook: (params) => {
      if (params['drop_pending_updates'] === true) ctx.updates.dropPending();
      return true;
    },
    getWebhookInfo: () => ({ url: '', has_custom_certificate: false, pending_update_count: ctx.updates.pendingCount }),

    sendMessage: (params) => {
      const chatId = chatIdOf(params);
      chats.writable(chatId);
      const text = optionalString(params, 'text') ?? '';
      if (text.trim() === '') throw TelegramErrors.textEmpty();
      const version = formatted(text, params, MAX_TEXT, TelegramErrors.textTooLong);
      return chats.toApi(chats.add(chatId, fixture.bot, version, { replyToMessageId: replyTarget(params) }));
    },

    editMessageText: (params) => {
      const message = botMessage(params, TelegramErrors.messageToEditNotFound);
      if (!message.fromBot) throw TelegramErrors.messageCantBeEdited();
      if (message.document) throw TelegramErrors.noTextToEdit();
      const text = optionalString(params, 'text') ?? '';
      if (text.trim() === '') throw TelegramErrors.textEmpty();
      // Without reply_markup, Telegram removes the inline keyboard: the edit replaces both.
      const next = formatted(text, params, MAX_TEXT, TelegramErrors.textTooLong);
      if (sameContent(message.current, next)) throw TelegramErrors.notModified();
      return chats.toApi(chats.edit(message, next));
    },

    editMessageReplyMarkup: (params) => {
      const message = botMessage(params, TelegramErrors.messageToEditNotFound);
      if (!message.fromBot) throw TelegramErrors.messageCantBeEdited();
      const next = { ...message.current, replyMarkup: inlineKeyboard(params) };
      if (sameContent(message.current, next)) throw TelegramErrors.notModified();
      return chats.toApi(chats.edit(message, next));
    },

    deleteMessage: (params) => {
      const message = botMessage(params, TelegramErrors.messageToDeleteNotFound);
      message.deletedAt = Date.now();
      return true;
    },

    sendDocument: (params, files) => {
      const chatId = chatIdOf(params);
      chats.writable(chatId);
      const document = params['document'];
      // grammY sends an InputFile as `attach://<id>` plus a file part named <id>; a plain `document` part works too.
      const attachId = typeof document === 'string' && document.startsWith('attach://') ? document.slice('attach://'.length) : 'document';
      const file = files.find((f) => f.field === attachId);
      if (!file && (typeof document !== 'string' || document.startsWith('attach://'))) throw TelegramErrors.noDocument();
      const version = formatted(optionalString(params, 'caption') ?? '', params, MAX_CAPTION, TelegramErrors.captionTooLong);
      const stored = chats.add(chatId, fixture.bot, version, {
        replyToMessageId: replyTarget(params),
        document: {
          fileId: file ? `BQACAgIAAxkBAAI${randomBytes(12).toString('hex')}` : String(document),
          filename: file?.filename,
          contentType: file?.contentType,
          bytes: file?.bytes,
          caption: version.text || undefined,
        },
      });
      return chats.toApi(stored);
    },

    sendChatAction: (params) => {
      chats.writable(chatIdOf(params));
      return true;
    },

    answerCallbackQuery: (params) => {
      const query = ctx.callbackQueries.get(String(params['callback_query_id'] ?? ''));
      if (!query || query.answeredAt !== undefined) throw TelegramErrors.queryTooOld();
      query.answeredAt = Date.now();
      query.answer = {
        ...(typeof params['text'] === 'string' ? { text: params['text'] } : {}),
        ...(typeof params['show_alert'] === 'boolean' ? { show_alert: params['show_alert'] } : {}),
        ...(typeof params['url'] === 'string' ? { url: params['url'] } : {}),
      };
      return true;
    },

    getChat: (params) => {
      const chatId = chatIdOf(params);
      const entry = chats.chats.get(chatId);
      if (!entry) throw TelegramErrors.chatNotFound();
      return { ...entry.chat, accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: {} };
    },

    getChatAdministrators: (params) => {
      const chatId = chatIdOf(params);
      if (!chats.chats.has(chatId)) throw TelegramErrors.chatNotFound();
      if (chatId > 0) throw TelegramErrors.noAdminsInPrivate();
      const members = fixture.members.get(chatId) ?? new Map();
      return [...members.entries()].filter(([, status]) => status === 'creator' || status === 'administrator').map(([userId, status]) => chatMember(userById(ctx, userId), status));
    },

    getChatMember: (params) => {
      const chatId = chatIdOf(params);
      if (!chats.chats.has(chatId)) throw TelegramErrors.chatNotFound();
      const userId = int(params, 'user_id');
      const user = userById(ctx, userId);
      if (chatId > 0) return chatMember(user, chatId === userId || userId === fixture.bot.id ? 'member' : 'left');
      return chatMember(user, fixture.members.get(chatId)?.get(userId) ?? 'left');
    },

    setMyCommands: (params) => {
      const commands = params['commands'];
      if (!Array.isArray(commands)) throw TelegramErrors.missingParameter('commands');
      for (const command of commands as BotCommand[]) {
        // Telegram: 1-32 characters of a-z, 0-9 and _; description 1-256 characters.
        if (!/^[a-z0-9_]{1,32}$/.test(String(command.command)) || !command.description || command.description.length > 256) {
          throw TelegramErrors.botCommandInvalid();
        }
      }
      ctx.commands.set(commandScopeKey(params), commands as BotCommand[]);
      return true;
    },
    getMyCommands: (params) => ctx.commands.get(commandScopeKey(params)) ?? [],
    deleteMyCommands: (params) => {
      ctx.commands.delete(commandScopeKey(params));
      return true;
    },
  };
}

/** A version of a message from text and the formatting parameters, checked like Telegram checks them. */
function formatted(text: string, params: Params, maxLength: number, tooLong: () => Error): Omit<TelegramMessageVersion, 'at'> {
  const parseMode = optionalString(params, 'parse_mode');
  let renderedText: string;
  try {
    renderedText = renderText(text, parseMode);
  } catch (error) {
    if (error instanceof EntityParseError) throw TelegramErrors.cantParseEntities(error.message);
    throw error;
  }
  // The limit applies to the text after entity parsing, which is what Telegram counts.
  if (renderedText.length > maxLength) throw tooLong();
  const entities = (params['entities'] ?? params['caption_entities']) as MessageEntity[] | undefined;
  return { text, renderedText, parseMode, entities, replyMarkup: inlineKeyboard(params) };
}

function inlineKeyboard(params: Params): InlineKeyboardMarkup | undefined {
  const markup = params['reply_markup'] as Partial<InlineKeyboardMarkup> | undefined;
  if (!markup?.inline_keyboard) return undefined;
  for (const row of markup.inline_keyboard) {
    for (const button of row) {
      const data = 'callback_data' in button ? button.callback_data : undefined;
      if (data !== undefined && (data.length === 0 || Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES)) throw TelegramErrors.buttonDataInvalid();
    }
  }
  return markup as InlineKeyboardMarkup;
}

function sameContent(a: Omit<TelegramMessageVersion, 'at'>, b: Omit<TelegramMessageVersion, 'at'>): boolean {
  return a.text === b.text && a.parseMode === b.parseMode && JSON.stringify(a.replyMarkup ?? null) === JSON.stringify(b.replyMarkup ?? null);
}

function replyTarget(params: Params): number | undefined {
  const parameters = params['reply_parameters'] as { message_id?: unknown } | undefined;
  const id = parameters?.message_id ?? params['reply_to_message_id'];
  return typeof id === 'number' ? id : undefined;
}

function commandScopeKey(params: Params): string {
  return `${JSON.stringify(params['scope'] ?? { type: 'default' })}|${optionalString(params, 'language_code') ?? ''}`;
}

function userById(ctx: MethodContext, userId: number) {
  if (userId === ctx.fixture.bot.id) return ctx.fixture.bot;
  const user = ctx.fixture.users.find((u) => u.id === userId);
  if (!user) throw TelegramErrors.userNotFound();
  return user;
}

function chatIdOf(params: Params): number {
  const value = params['chat_id'];
  if (value === undefined || value === '') throw TelegramErrors.missingParameter('chat_id');
  // @channelusername addressing is not emulated: every fixture chat is addressed by id.
  if (typeof value !== 'number') throw TelegramErrors.chatNotFound();
  return value;
}

function int(params: Params, name: string): number {
  const value = params[name];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw TelegramErrors.missingParameter(name);
  return value;
}

function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}
