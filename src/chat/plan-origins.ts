/**
 * Where each plan was previewed, and to whom. The one rule for confirming (docs/invariants.md invariant 5:
 * nothing is sent before a human confirmed the plan that is shown) lives here, in
 * `assertMayConfirm`: only the operator who was shown the plan, in the chat where it was shown,
 * may confirm it (before it expires: the engine checks that). A pressed Confirm button runs the
 * same `/distribute confirm` as a typed one, so both meet this check. `id:last` names the caller's
 * own newest preview in this chat, so a script on the console can confirm what it previewed
 * without knowing the id in advance.
 */
import { msg } from '../i18n/index.js';
import type Keyv from 'keyv';
import { CommandError } from './errors.js';
import type { Caller, ChatRef } from './types.js';

interface Origin {
  platform: string;
  chatId: string;
  /** The operator it was shown to; absent for a plan posted to a channel (a schedule's occurrence): any operator there. */
  userId?: string;
  /** The previewer's display name, to say whose plan it is. */
  userName?: string;
  /** Further chats a posted plan went to. */
  alsoIn?: ChatRef[];
  at: number;
}

export const LAST = 'last';

export class PlanOrigins {
  constructor(
    private readonly kv: Keyv,
    /** How long an origin is kept: past the plan's expiry, so a late confirm is told "expired". */
    private readonly keepMs: number,
  ) {}

  async remember(planId: string, caller: Caller): Promise<void> {
    const origin: Origin = {
      platform: caller.chat.platform,
      chatId: caller.chat.id,
      userId: caller.actor.userId,
      ...(caller.actor.name !== undefined ? { userName: caller.actor.name } : {}),
      at: Date.now(),
    };
    await this.kv.set(`origin:${planId}`, origin, this.keepMs);
    await this.kv.set(lastKey(caller), planId, this.keepMs);
  }

  /**
   * A plan posted to channels rather than shown to one person (a schedule's occurrence waiting for
   * approval): any operator in one of those chats may confirm it, nobody elsewhere.
   */
  async rememberPosted(planId: string, chats: readonly ChatRef[]): Promise<void> {
    const [first, ...more] = chats;
    if (!first) return;
    const origin: Origin = { platform: first.platform, chatId: first.id, ...(more.length ? { alsoIn: more } : {}), at: Date.now() };
    await this.kv.set(`origin:${planId}`, origin, this.keepMs);
  }

  /** `last` -> the caller's newest preview in this chat; anything else is returned trimmed and lowercased. */
  async resolveId(id: string, caller: Caller): Promise<string> {
    const clean = id.trim().toLowerCase();
    if (clean !== LAST) return clean;
    const last = (await this.kv.get(lastKey(caller))) as string | undefined;
    if (!last) throw new CommandError('NO_RECENT_PLAN', msg('err.noRecentPlan'));
    return last;
  }

  /**
   * Refuses a confirm of a plan that was not shown to the caller in this chat: typed or pressed, by
   * another operator or an admin alike. Expiry is the engine's to say.
   */
  async assertMayConfirm(planId: string, caller: Caller): Promise<void> {
    const origin = (await this.kv.get(`origin:${planId}`)) as Origin | undefined;
    // No origin: the id is unknown, or the plan is past keeping (kept as long as the engine keeps
    // an unconfirmed plan); the engine names which.
    if (!origin) return;
    const here = (chat: { platform: string; id: string }) => chat.platform === caller.chat.platform && chat.id === caller.chat.id;
    if (!here({ platform: origin.platform, id: origin.chatId }) && !(origin.alsoIn ?? []).some(here)) {
      throw new CommandError('PLAN_FOREIGN', msg('err.planForeign', { id: planId }));
    }
    if (origin.userId !== undefined && origin.userId !== caller.actor.userId) {
      throw new CommandError('PLAN_NOT_YOURS', origin.userName ? msg('err.planNotYours', { id: planId, name: origin.userName }) : msg('err.planNotYoursUnnamed', { id: planId }));
    }
  }
}

function lastKey(caller: Caller): string {
  return `last:${caller.chat.platform}:${caller.chat.id}:${caller.actor.userId}`;
}
