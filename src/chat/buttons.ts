/**
 * Buttons carry a short key, not the command: Telegram's callback_data holds 64 bytes and Discord's
 * custom_id 100 characters, and anything a client sends back can be forged. The key names a record
 * kept here: the command as it would be typed, the chat it was shown in, the person it was shown to
 * and when it stops working. A press that matches no record, comes from another chat or person, or
 * comes late runs nothing.
 */
import { msg } from '../i18n/index.js';
import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import { CommandError } from './errors.js';
import type { Caller, ReplyButton } from './types.js';

export const BUTTON_PREFIX = 'b:';

interface IssuedButton {
  command: string;
  platform: string;
  chatId: string;
  /** The person it was shown to; absent for a button open to everyone in the chat (role checks still apply). */
  userId?: string;
  userName?: string;
  /** Buttons shown together (Confirm and Cancel of one preview): one press uses them all up. */
  group: string;
  expiresAt: number;
}

export interface IssuedKey extends ReplyButton {
  /** What goes in custom_id / callback_data: `b:` and 12 characters. */
  data: string;
}

export interface ButtonRegistryOptions {
  /** How long a button works when the reply does not say. Default 15 minutes. */
  ttlMs?: number;
  /** How long an expired button is remembered, to say "expired" rather than "unknown". Default 1 day. */
  rememberMs?: number;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export class ButtonRegistry {
  private readonly ttlMs: number;
  private readonly rememberMs: number;
  /** Groups whose press is being run now: a double click must not run the command twice. */
  private readonly pressing = new Set<string>();

  constructor(
    private readonly kv: Keyv,
    opts: ButtonRegistryOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 15 * 60_000;
    this.rememberMs = opts.rememberMs ?? 24 * 60 * 60_000;
  }

  /**
   * Stores the buttons of one reply shown to `caller` and returns the data to attach to each. A
   * button marked `openToChat`, and every button of a post with no caller (a schedule's post in a
   * channel), may be pressed by anyone in that chat; the command's role check still applies.
   */
  async issue(buttons: readonly ReplyButton[], caller: Pick<Caller, 'chat'> & { actor?: Caller['actor'] }, ttlMs = this.ttlMs): Promise<IssuedKey[]> {
    const group = newKey();
    const expiresAt = Date.now() + ttlMs;
    return Promise.all(
      buttons.map(async (button) => {
        const key = newKey();
        const record: IssuedButton = {
          command: button.command,
          platform: caller.chat.platform,
          chatId: caller.chat.id,
          ...(caller.actor && !button.openToChat ? { userId: caller.actor.userId, ...(caller.actor.name !== undefined ? { userName: caller.actor.name } : {}) } : {}),
          group,
          expiresAt,
        };
        await this.kv.set(`button:${key}`, record, ttlMs + this.rememberMs);
        return { ...button, data: `${BUTTON_PREFIX}${key}` };
      }),
    );
  }

  /**
   * The command behind a pressed button, if `presser` may run it from here, and claims the button's
   * group until `settle`. Throws CommandError (BUTTON_UNKNOWN, BUTTON_FOREIGN, BUTTON_EXPIRED,
   * BUTTON_USED) otherwise.
   */
  async claim(data: string, presser: Pick<Caller, 'actor' | 'chat'>): Promise<{ command: string; group: string }> {
    const key = data.startsWith(BUTTON_PREFIX) ? data.slice(BUTTON_PREFIX.length) : '';
    const record = /^[0-9a-z]{12}$/.test(key) ? ((await this.kv.get(`button:${key}`)) as IssuedButton | undefined) : undefined;
    if (!record) throw new CommandError('BUTTON_UNKNOWN', msg('err.buttonUnknown'));
    if (record.platform !== presser.chat.platform || record.chatId !== presser.chat.id) {
      throw new CommandError('BUTTON_FOREIGN', msg('err.buttonOtherChat'));
    }
    if (record.userId !== undefined && record.userId !== presser.actor.userId) {
      throw new CommandError('BUTTON_FOREIGN', record.userName ? msg('err.buttonFor', { name: record.userName }) : msg('err.buttonForSomeoneElse'));
    }
    if (Date.now() > record.expiresAt) throw new CommandError('BUTTON_EXPIRED', msg('err.buttonExpired'));
    const used = Boolean(await this.kv.get(`used:${record.group}`));
    // Checked and claimed with no await in between: of two presses at once, one gets the claim.
    if (used || this.pressing.has(record.group)) throw new CommandError('BUTTON_USED', msg('err.buttonUsed'));
    this.pressing.add(record.group);
    return { command: record.command, group: record.group };
  }

  /**
   * Ends a claim. When the command went through, the group's buttons (Cancel after Confirm) stop
   * working; when it was refused or failed, they may be pressed again.
   */
  async settle(group: string, used: boolean): Promise<void> {
    try {
      if (used) await this.kv.set(`used:${group}`, true, this.ttlMs + this.rememberMs);
    } finally {
      this.pressing.delete(group);
    }
  }
}

function newKey(): string {
  return Array.from(randomBytes(12), (b) => ALPHABET[b & 31]).join('');
}
