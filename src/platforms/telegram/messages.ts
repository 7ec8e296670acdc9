/** CommandReply -> Telegram Bot API calls. Plain text (no parse_mode): nothing in a reply needs escaping. */
import { GrammyError, InlineKeyboard, InputFile, type Api } from 'grammy';
import { splitText } from '../../chat/format.js';
import type { IssuedKey } from '../../chat/buttons.js';
import type { ReplyFile } from '../../chat/types.js';

/** Telegram's message text limit. */
export const TELEGRAM_TEXT_LIMIT = 4_096;
const BUTTONS_PER_ROW = 3;

export interface SendTarget {
  chatId: number | string;
  /** Answer to this message (kept when it was deleted meanwhile). */
  replyTo?: number;
}

/** Sends text (split at 4,096), then the files as documents. Returns the id of the message with the buttons. */
export async function sendReply(api: Api, target: SendTarget, text: string, opts: { buttons?: readonly IssuedKey[]; files?: readonly ReplyFile[] } = {}): Promise<number> {
  const chunks = splitText(text, TELEGRAM_TEXT_LIMIT);
  let lastId = 0;
  for (const [i, chunk] of chunks.entries()) {
    const last = i === chunks.length - 1;
    const sent = await api.sendMessage(target.chatId, chunk, {
      ...(i === 0 && target.replyTo !== undefined ? { reply_parameters: { message_id: target.replyTo, allow_sending_without_reply: true } } : {}),
      ...(last && opts.buttons?.length ? { reply_markup: keyboard(opts.buttons) } : {}),
    });
    lastId = sent.message_id;
  }
  for (const file of opts.files ?? []) await sendFile(api, target.chatId, file, lastId);
  return lastId;
}

export async function sendFile(api: Api, chatId: number | string, file: ReplyFile, replyTo?: number): Promise<void> {
  // grammY streams a path from the disk as it uploads.
  await api.sendDocument(chatId, new InputFile(file.path !== undefined ? file.path : Buffer.from(file.bytes), file.name), {
    ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
  });
}

function keyboard(buttons: readonly IssuedKey[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  buttons.forEach((b, i) => {
    if (i > 0 && i % BUTTONS_PER_ROW === 0) kb.row();
    kb.text(b.label, b.data);
  });
  return kb;
}

/** Telegram answers an edit to the same text with 400 "message is not modified": nothing changed, nothing to do. */
export function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && err.description.includes('message is not modified');
}

/** 403: the bot may not write there (a user who never started it, or who blocked it; a chat it left). */
export function isForbidden(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 403;
}

/** 400 for an edit of a message that is gone or cannot be edited: post a new one instead. */
export function isUneditable(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(err.description);
}
