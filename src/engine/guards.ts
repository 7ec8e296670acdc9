/**
 * Spending guards: the limits every confirm must fit, typed by an operator or made by a schedule
 *. The service calls `admit` once per confirm, one at a time, right before the
 * confirmed record is written (service.ts SPEND_QUEUE), so two plans cannot both fit under a cap
 * that has room for one.
 *
 * What has been spent is a pure function of the ledger: the totals of the distributions confirmed
 * in the window, whatever became of them since. A cancelled or partly failed distribution counts
 * whole, because `/distribute retry` can still pay the rest without a new confirm. Nothing is kept
 * beside the ledger but a cache of facts that never change once a plan is confirmed (its reward,
 * total and confirm time), so nothing can drift.
 *
 * Every refusal names the guard, the limit, what has been spent in the window and when room
 * returns, and sends nothing.
 */
import { shortAddress } from './address.js';
import { parseAmount } from './amounts.js';
import { TributaryError } from './errors.js';
import { amountParam, instantParam, msg } from '../i18n/message.js';
import type { Actor, Ledger, Plan } from './ledger.js';
import type { ConfirmOptions, SpendGuard } from './service.js';
import type { RewardAsset } from './types.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const WEEK_MS = 7 * DAY_MS;

/** Limits of one reward, as the config writes them: whole reward units, decimal strings; null = no limit. */
export interface RewardLimits {
  perDistribution: string | null;
  perDay: string | null;
  perWeek: string | null;
  secondApprovalAbove: string | null;
}

/** config `guards`. */
export interface GuardsConfig {
  /** "SOL" and mint addresses; null = any reward. */
  allowedRewards: readonly string[] | null;
  /** Keyed "SOL" or by mint address. */
  limits: Readonly<Record<string, RewardLimits>>;
}

/** What a schedule that confirms its own occurrences allows itself (src/schedule/). */
export interface AutoApproval {
  /** Shown in messages: "schedule ab12cd34". */
  name: string;
  /** Largest total an occurrence may confirm by itself, in reward units (decimal string); null = none set. */
  cap: string | null;
}

export interface SpendGuardsOptions {
  ledger: Pick<Ledger, 'distributionIds' | 'getDistribution' | 'getPlanSummary'>;
  config: GuardsConfig;
  /**
   * The schedule behind an actor that confirms by itself (`platform: "schedule"`), or undefined for
   * a person. On mainnet such a confirm needs the schedule's own cap.
   */
  autoApproval?: (actor: Actor) => Promise<AutoApproval | undefined>;
}

/** One window of one reward, for /guards and for refusals. */
export interface WindowSpending {
  window: 'day' | 'week';
  limit: bigint | null;
  spent: bigint;
  /** When the oldest distribution in the window leaves it (room grows then); null when none is in it. */
  nextRoomAt: number | null;
}

export interface RewardSpending {
  /** "SOL" or the mint address. */
  key: string;
  symbol: string;
  decimals: number;
  limits: RewardLimits;
  windows: WindowSpending[];
}

interface Confirmed {
  key: string;
  symbol: string;
  decimals: number;
  total: bigint;
  confirmedAt: number;
}

/** The ledger's key for a reward, as the config names it. */
export function rewardKey(reward: RewardAsset): string {
  return reward.kind === 'sol' ? 'SOL' : reward.mint;
}

export const SCHEDULE_PLATFORM = 'schedule';

export class SpendGuards implements SpendGuard {
  /** Confirmed distributions by id: facts that never change once a plan is confirmed. */
  private readonly confirmed = new Map<string, Confirmed | null>();

  constructor(private readonly opts: SpendGuardsOptions) {}

  get config(): GuardsConfig {
    return this.opts.config;
  }

  async admit(plan: Plan, actor: Actor, confirm: ConfirmOptions & { now: number }): Promise<void> {
    const { config } = this.opts;
    const key = rewardKey(plan.reward);
    const amount = (v: bigint) => amountParam(v, plan.reward.decimals, plan.reward.symbol);
    const total = amount(plan.total);
    const id = plan.id;

    if (config.allowedRewards !== null && !config.allowedRewards.includes(key)) {
      const allowed = config.allowedRewards.length ? config.allowedRewards.join(', ') : msg('guard.nothing');
      throw new TributaryError('REWARD_NOT_ALLOWED', msg('guard.allowlist', { id, reward: `${plan.reward.symbol}${key === 'SOL' ? '' : ` (${key})`}`, allowed }), {
        details: { guard: 'allowlist', reward: key, allowed: config.allowedRewards },
      });
    }

    const limit = (value: string | null) => (value === null ? null : parseAmount(value, plan.reward.decimals, 'limit', { unit: plan.reward.symbol, allowZero: true }));

    if (actor.platform === SCHEDULE_PLATFORM) {
      const auto = await this.opts.autoApproval?.(actor);
      const cap = limit(auto?.cap ?? null);
      const who = auto?.name ?? msg('guard.schedule', { id: actor.userId });
      if (cap === null && plan.network === 'mainnet-beta') {
        throw new TributaryError('SPEND_LIMIT', msg('guard.autoCapNone', { id, who }), { details: { guard: 'auto-cap', limit: null, total: plan.total.toString() } });
      }
      if (cap !== null && plan.total > cap) {
        throw new TributaryError('SPEND_LIMIT', msg('guard.autoCapAbove', { id, total, cap: amount(cap), who }), {
          details: { guard: 'auto-cap', limit: cap.toString(), total: plan.total.toString() },
        });
      }
    }

    const limits = config.limits[key];
    if (!limits) return;

    const perDistribution = limit(limits.perDistribution);
    if (perDistribution !== null && plan.total > perDistribution) {
      throw new TributaryError('SPEND_LIMIT', msg('guard.perDistribution', { id, total, cap: amount(perDistribution), key }), {
        details: { guard: 'per-distribution', limit: perDistribution.toString(), total: plan.total.toString() },
      });
    }

    for (const [window, windowMs, value] of [
      ['day', DAY_MS, limits.perDay],
      ['week', WEEK_MS, limits.perWeek],
    ] as const) {
      const cap = limit(value);
      if (cap === null) continue;
      const inWindow = (await this.confirmedSince(confirm.now - windowMs)).filter((c) => c.key === key && c.id !== plan.id);
      const spent = inWindow.reduce((sum, c) => sum + c.total, 0n);
      if (spent + plan.total <= cap) continue;
      const room = roomReturns(inWindow, spent, plan.total, cap, windowMs);
      const when = room === null ? msg('guard.neverFits', { total }) : msg('guard.roomAt', { total, at: instantParam(room) });
      throw new TributaryError(
        'SPEND_LIMIT',
        msg(window === 'day' ? 'guard.daily' : 'guard.weekly', {
          id,
          spent: amount(spent),
          symbol: plan.reward.symbol,
          count: inWindow.length,
          total,
          cap: amount(cap),
          key,
          when,
        }),
        { details: { guard: window, limit: cap.toString(), spent: spent.toString(), total: plan.total.toString(), roomAt: room } },
      );
    }

    const approvalAbove = limit(limits.secondApprovalAbove);
    if (approvalAbove !== null && plan.total > approvalAbove) {
      const approver = confirm.approvedBy;
      if (!approver) {
        throw new TributaryError('APPROVAL_REQUIRED', msg('guard.approvalRequired', { id, total, cap: amount(approvalAbove), key }), {
          details: { guard: 'approval', limit: approvalAbove.toString(), total: plan.total.toString(), id: plan.id },
        });
      }
      if (samePerson(approver, actor) || samePerson(approver, plan.createdBy)) {
        throw new TributaryError(
          'APPROVAL_SELF',
          msg(samePerson(approver, actor) ? 'guard.approvalSelf' : 'guard.approvalSelfPreviewed', { id, name: approver.name ?? approver.userId }),
          { details: { guard: 'approval', id: plan.id } },
        );
      }
    }
  }

  /** What each reward with limits has spent in each window now, for /guards. */
  async spending(now: number): Promise<RewardSpending[]> {
    const week = await this.confirmedSince(now - WEEK_MS);
    const out: RewardSpending[] = [];
    for (const [key, limits] of Object.entries(this.opts.config.limits)) {
      const seen = week.find((c) => c.key === key);
      const decimals = seen?.decimals ?? (key === 'SOL' ? 9 : null);
      if (decimals === null) {
        // A mint nothing has paid this week: its decimals are unknown here, and nothing is spent.
        out.push({ key, symbol: shortAddress(key), decimals: 0, limits, windows: [] });
        continue;
      }
      const windows: WindowSpending[] = [];
      for (const [window, windowMs, value] of [
        ['day', DAY_MS, limits.perDay],
        ['week', WEEK_MS, limits.perWeek],
      ] as const) {
        const inWindow = week.filter((c) => c.key === key && c.confirmedAt > now - windowMs);
        const spent = inWindow.reduce((s, c) => s + c.total, 0n);
        const oldest = inWindow[0];
        windows.push({
          window,
          limit: value === null ? null : parseAmount(value, decimals, 'limit', { allowZero: true }),
          spent,
          nextRoomAt: oldest ? oldest.confirmedAt + windowMs : null,
        });
      }
      out.push({ key, symbol: seen?.symbol ?? (key === 'SOL' ? 'SOL' : shortAddress(key)), decimals, limits, windows });
    }
    return out;
  }

  /** Confirmed distributions whose confirm is after `since`, oldest first. */
  private async confirmedSince(since: number): Promise<(Confirmed & { id: string })[]> {
    const { ledger } = this.opts;
    const out: (Confirmed & { id: string })[] = [];
    for (const id of await ledger.distributionIds()) {
      let fact = this.confirmed.get(id);
      if (fact === undefined) {
        const record = await ledger.getDistribution(id);
        if (!record?.confirmedAt) continue;
        // The header only: a guard needs the reward and the total, not a million recipients.
        const plan = await ledger.getPlanSummary(id);
        fact = plan ? { key: rewardKey(plan.reward), symbol: plan.reward.symbol, decimals: plan.reward.decimals, total: plan.total, confirmedAt: record.confirmedAt } : null;
        this.confirmed.set(id, fact);
      }
      if (fact && fact.confirmedAt > since) out.push({ ...fact, id });
    }
    return out.sort((a, b) => a.confirmedAt - b.confirmedAt);
  }
}

/**
 * The first time a plan of `total` fits under `cap` as earlier distributions leave the rolling
 * window (each leaves `windowMs` after its confirm); null when it never fits.
 */
export function roomReturns(inWindow: readonly { confirmedAt: number; total: bigint }[], spent: bigint, total: bigint, cap: bigint, windowMs: number): number | null {
  if (total > cap) return null;
  let left = spent;
  for (const c of [...inWindow].sort((a, b) => a.confirmedAt - b.confirmedAt)) {
    left -= c.total;
    if (left + total <= cap) return c.confirmedAt + windowMs;
  }
  return null;
}

function samePerson(a: Actor, b: Actor): boolean {
  return a.platform === b.platform && a.userId === b.userId;
}
