/**
 * Chats on the Telegram stand-in and their messages (from users and from the
 * bot), each with its edit history; plus the documents the bot uploaded.
 * Message ids count per chat, as on Telegram.
 */
import type { Chat, Document, InlineKeyboardMarkup, Message, MessageEntity, User } from 'grammy/types';
import { TelegramErrors } from './telegram-errors.js';

/** One state of a message: what users saw between two edits. */
export interface TelegramMessageVersion {
  at: number;
  /** The text (or caption, for a document) as sent, markup included. */
  text: string;
  /** The text as users read it (HTML tags removed, entities decoded). */
  renderedText: string;
  parseMode: string | undefined;
  entities: MessageEntity[] | undefined;
  replyMarkup: InlineKeyboardMarkup | undefined;
}

export interface StoredDocument {
  chatId: number;
  messageId: number;
  fileId: string;
  filename: string | undefined;
  contentType: string | undefined;
  /** The uploaded bytes; undefined when the bot sent a file_id or URL instead of a file. */
  bytes: Buffer | undefined;
  caption: string | undefined;
  at: number;
}

export interface StoredTelegramMessage {
  chatId: number;
  messageId: number;
  from: User;
  fromBot: boolean;
  createdAt: number;
  deletedAt: number | undefined;
  replyToMessageId: number | undefined;
  document: StoredDocument | undefined;
  /** Every version, oldest first; `history.length - 1` is the number of edits. */
  history: TelegramMessageVersion[];
  current: TelegramMessageVersion;
}

export interface TelegramChat {
  chat: Chat;
  messages: StoredTelegramMessage[];
}

export class ChatStore {
  readonly chats = new Map<number, TelegramChat>();
  readonly documents: StoredDocument[] = [];
  private readonly nextMessageId = new Map<number, number>();

  /** Makes a chat known: fixture groups from the start, private chats once the user wrote to the bot. */
  open(chat: Chat): TelegramChat {
    let entry = this.chats.get(chat.id);
    if (!entry) {
      entry = { chat, messages: [] };
      this.chats.set(chat.id, entry);
    }
    return entry;
  }

  /** The chat the bot may write to, or Telegram's refusal: a user who never started the bot cannot be messaged. */
  writable(chatId: number): TelegramChat {
    const entry = this.chats.get(chatId);
    if (entry) return entry;
    throw chatId > 0 ? TelegramErrors.botCantInitiate() : TelegramErrors.chatNotFound();
  }

  add(
    chatId: number,
    from: User,
    version: Omit<TelegramMessageVersion, 'at'>,
    extra: { replyToMessageId?: number | undefined; document?: Omit<StoredDocument, 'chatId' | 'messageId' | 'at'> } = {},
  ): StoredTelegramMessage {
    const entry = this.writable(chatId);
    const messageId = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, messageId + 1);
    const at = Date.now();
    const first: TelegramMessageVersion = { ...version, at };
    const document = extra.document ? { ...extra.document, chatId, messageId, at } : undefined;
    if (document) this.documents.push(document);
    const message: StoredTelegramMessage = {
      chatId,
      messageId,
      from,
      fromBot: from.is_bot,
      createdAt: at,
      deletedAt: undefined,
      replyToMessageId: extra.replyToMessageId,
      document,
      history: [first],
      current: first,
    };
    entry.messages.push(message);
    return message;
  }

  find(chatId: number, messageId: number): StoredTelegramMessage | undefined {
    return this.chats.get(chatId)?.messages.find((m) => m.messageId === messageId && m.deletedAt === undefined);
  }

  edit(message: StoredTelegramMessage, version: Omit<TelegramMessageVersion, 'at'>): StoredTelegramMessage {
    const next: TelegramMessageVersion = { ...version, at: Date.now() };
    message.history.push(next);
    message.current = next;
    return message;
  }

  toApi(message: StoredTelegramMessage): Message {
    const chat = this.chats.get(message.chatId)?.chat;
    if (!chat) throw new Error(`stand-in: message ${message.messageId} has no chat ${message.chatId}`);
    const { current } = message;
    const replyTo = message.replyToMessageId === undefined ? undefined : this.find(message.chatId, message.replyToMessageId);
    const body = message.document
      ? { document: documentToApi(message.document), ...(current.renderedText ? { caption: current.renderedText } : {}) }
      : { text: current.renderedText, ...(current.entities ? { entities: current.entities } : {}) };
    return {
      message_id: message.messageId,
      from: message.from,
      chat,
      date: Math.floor(message.createdAt / 1000),
      ...(message.history.length > 1 ? { edit_date: Math.floor(current.at / 1000) } : {}),
      ...(replyTo ? { reply_to_message: this.toApi({ ...replyTo, replyToMessageId: undefined }) } : {}),
      ...body,
      ...(current.replyMarkup ? { reply_markup: current.replyMarkup } : {}),
    } as Message;
  }
}

function documentToApi(document: StoredDocument): Document {
  return {
    file_id: document.fileId,
    file_unique_id: `u${document.fileId.slice(-12)}`,
    ...(document.filename === undefined ? {} : { file_name: document.filename }),
    ...(document.contentType === undefined ? {} : { mime_type: document.contentType }),
    ...(document.bytes === undefined ? {} : { file_size: document.bytes.length }),
  };
}
