/**
 * The one error type the engine shows to people. It says what happened as a Message (a catalogue key
 * and typed parameters, src/i18n/message.ts) that the chat layer renders in the reader's language;
 * logs and metrics key on `code`, which never changes once released. Anything that is not a TributaryError is a
 * bug or an infrastructure failure and is reported as such, not shown verbatim.
 *
 * A message names what is wrong with the user's input (the address, the amount, the limit), never a
 * secret (docs/invariants.md invariant 6): inputs that may be secrets (a pasted keypair) are not echoed.
 */

/** Stable codes, grouped by what they are about. Add new ones; never rename or reuse one. */
export type TributaryErrorCode =
  // amounts typed by a user
  | 'AMOUNT_INVALID'
  | 'AMOUNT_TOO_PRECISE'
  | 'AMOUNT_NOT_POSITIVE'
  | 'AMOUNT_TOO_LARGE'
  // addresses and accounts
  | 'INVALID_ADDRESS'
  | 'NOT_A_MINT'
  | 'UNSUPPORTED_MINT'
  // plans
  | 'INVALID_FILTER'
  | 'NO_RECIPIENTS'
  | 'TOO_MANY_RECIPIENTS'
  | 'SNAPSHOT_REFUSED'
  | 'INSUFFICIENT_BALANCE'
  | 'SOURCE_FROZEN'
  | 'PLAN_BLOCKED'
  // distributions and their states
  | 'PLAN_NOT_FOUND'
  | 'PLAN_EXPIRED'
  | 'CONFIRMATION_REQUIRED'
  | 'INVALID_STATE'
  | 'NOTHING_TO_RETRY'
  // who may run a distribution, and where its records are kept
  | 'DISTRIBUTION_BUSY'
  | 'LEASE_LOST'
  | 'READ_ONLY'
  | 'STORE_NOT_DURABLE'
  // spending guards (src/engine/guards.ts): the message names the guard, the limit, what is spent and when room returns
  | 'REWARD_NOT_ALLOWED'
  | 'SPEND_LIMIT'
  | 'APPROVAL_REQUIRED'
  | 'APPROVAL_SELF'
  // schedules (src/schedule/)
  | 'SCHEDULE_INVALID'
  | 'SCHEDULE_NOT_FOUND'
  | 'SCHEDULES_OFF';

import { say } from '../i18n/index.js';
import type { Message } from '../i18n/message.js';

export interface TributaryErrorOptions {
  /** Machine-readable context for logs and tests (addresses, limits); shown to nobody. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class TributaryError extends Error {
  override readonly name = 'TributaryError';
  readonly code: TributaryErrorCode;
  /**
   * What is wrong, for the chat layer to put into the reader's words. A plain string is text not yet
   * in the catalogue: shown as it is, in English, to everyone.
   */
  readonly said: Message | string;
  readonly details?: Record<string, unknown>;

  constructor(code: TributaryErrorCode, said: Message | string, opts: TributaryErrorOptions = {}) {
    // The message, for logs and stacks, is the English text; a chat renders `said` in its reader's language.
    super(typeof said === 'string' ? said : say('en', said), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.said = said;
    if (opts.details !== undefined) this.details = opts.details;
  }

  /** The English text: for logs and tests; a chat renders `said` in its reader's language. */
  get userMessage(): string {
    return typeof this.said === 'string' ? this.said : say('en', this.said);
  }
}

/** True for a TributaryError, optionally of one code. */
export function isTributaryError(e: unknown, code?: TributaryErrorCode): e is TributaryError {
  return e instanceof TributaryError && (code === undefined || e.code === code);
}
