/**
 * Where each plan was previewed. A plan is confirmed only in the chat that showed it (DESIGN.md
 * invariant 5: nothing is sent before a human confirmed the plan that is shown), and `id:last`
 * names the caller's own newest preview in this chat, so a script on the console can confirm what
 * it previewed without knowing the id in advance.
 */
import type Keyv from 'keyv';
import { CommandError } from './errors.js';
import type { Caller } from './types.js';

interface Origin {
  platform: string;
  chatId: string;
  userId: string;
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
    const origin: Origin = { platform: caller.chat.platform, chatId: caller.chat.id, userId: caller.actor.userId, at: Date.now() };
    await this.kv.set(`origin:${planId}`, origin, this.keepMs);
    await this.kv.set(lastKey(caller), planId, this.keepMs);
  }

  /** `last` -> the caller's newest preview in this chat; anything else is returned trimmed and lowercased. */
  async resolveId(id: string, caller: Caller): Promise<string> {
    const clean = id.trim().toLowerCase();
    if (clean !== LAST) return clean;
    const last = (await this.kv.get(lastKey(caller))) as string | undefined;
    if (!last) throw new CommandError('NO_RECENT_PLAN', 'you have no recent preview in this chat; use id:<plan id>');
    return last;
  }

  /** Refuses a plan that was not previewed in the caller's chat. */
  async assertShownHere(planId: string, caller: Caller): Promise<void> {
    const origin = (await this.kv.get(`origin:${planId}`)) as Origin | undefined;
    // No origin: the id is unknown, or the plan is past keeping; the engine names which.
    if (!origin) return;
    if (origin.platform !== caller.chat.platform || origin.chatId !== caller.chat.id) {
      throw new CommandError('PLAN_FOREIGN', `plan ${planId} was previewed in another chat; confirm it there, or preview it again here`);
    }
  }
}

function lastKey(caller: Caller): string {
  return `last:${caller.chat.platform}:${caller.chat.id}:${caller.actor.userId}`;
}
