import { randomBytes } from 'node:crypto';
import type { TributaryError } from '../engine/errors.js';
import { say, type Locale, type Message } from '../i18n/index.js';

/**
 * Errors of the chat layer that the user caused or can fix (a typo in a command, a role they lack,
 * a button that expired). Like the engine's TributaryError: a stable code for logs and tests, a short
 * message safe to post in a chat. Codes are never renamed or reused.
 */
export type CommandErrorCode =
  // what was typed
  | 'UNKNOWN_COMMAND'
  | 'BAD_SYNTAX'
  | 'UNKNOWN_OPTION'
  | 'INVALID_OPTION'
  // buttons
  | 'BUTTON_UNKNOWN'
  | 'BUTTON_EXPIRED'
  | 'BUTTON_FOREIGN'
  | 'BUTTON_USED'
  // plans
  | 'PLAN_FOREIGN'
  | 'PLAN_NOT_YOURS'
  | 'NO_RECENT_PLAN'
  | 'PROGRESS_HIDDEN'
  // wallets
  | 'NO_CHALLENGE'
  | 'CHALLENGE_EXPIRED'
  | 'BAD_SIGNATURE'
  | 'WALLET_TAKEN'
  | 'WALLET_NOT_LINKED'
  | 'NO_LINKED_WALLET'
  // monitoring
  | 'MONITORING_OFF'
  | 'ALERT_NOT_FOUND';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code: CommandErrorCode;
  /** What is wrong, rendered in the caller's language; a plain string is text not yet in the catalogue. */
  readonly said: Message | string;

  constructor(code: CommandErrorCode, said: Message | string) {
    super(typeof said === 'string' ? said : say('en', said));
    this.code = code;
    this.said = said;
  }

  /** The English text, for logs and tests. */
  get userMessage(): string {
    return typeof this.said === 'string' ? this.said : say('en', this.said);
  }
}

/** The reason an error of either kind gives a person, in their language. */
export function errorText(err: CommandError | TributaryError, locale: Locale): string {
  return typeof err.said === 'string' ? err.said : say(locale, err.said);
}

export function isCommandError(e: unknown, code?: CommandErrorCode): e is CommandError {
  return e instanceof CommandError && (code === undefined || e.code === code);
}

/** A short id that a user quotes and an operator finds in the log next to the stack. */
export function newErrorId(): string {
  return randomBytes(4).toString('hex');
}
