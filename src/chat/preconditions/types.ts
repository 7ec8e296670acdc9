import type { Message } from '../../i18n/index.js';
import type { AnyCommand, Caller } from '../types.js';

export type PreconditionResult = { ok: true } | { ok: false; identifier: string; message: Message };

/**
 * A named check that runs before a command's handler. The identifier is stable (logs, audit
 * entries and tests key on it); the message is for the user and says what they can do about it.
 */
export interface Precondition {
  readonly identifier: string;
  check(caller: Caller, command: AnyCommand): PreconditionResult;
}
