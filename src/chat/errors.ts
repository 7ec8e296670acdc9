import { randomBytes } from 'node:crypto';

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
  readonly userMessage: string;

  constructor(code: CommandErrorCode, userMessage: string) {
    super(userMessage);
    this.code = code;
    this.userMessage = userMessage;
  }
}

export function isCommandError(e: unknown, code?: CommandErrorCode): e is CommandError {
  return e instanceof CommandError && (code === undefined || e.code === code);
}

/** A short id that a user quotes and an operator finds in the log next to the stack. */
export function newErrorId(): string {
  return randomBytes(4).toString('hex');
}
