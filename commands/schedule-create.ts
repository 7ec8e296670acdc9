import { defineCommand } from '../src/chat/define.js';
import { msg, type Message } from '../src/i18n/index.js';
import { PLAN_FILTER_OPTIONS, refuseNegativeMin, splitList } from '../src/chat/holders.js';
import { approvalText, cadenceText, localTimeText, schedulesOf, whatItPays } from '../src/chat/schedules.js';
import { parseAddress } from '../src/engine/address.js';
import { TributaryError } from '../src/engine/errors.js';
import type { Approval, ScheduleRequest } from '../src/schedule/book.js';
import { nextOccurrence, parseCadence } from '../src/schedule/cadence.js';

const DECIMAL = /^\d+(\.\d+)?$/;

export default defineCommand({
  name: 'schedule create',
  role: 'operator',
  audit: true,
  // Discord lists required options first.
  options: [
    { name: 'token', type: 'string', required: true },
    { name: 'amount', type: 'string', required: true },
    { name: 'reward', type: 'string', required: true },
    { name: 'every', type: 'string', required: true },
    { name: 'tz', type: 'string', required: true },
    { name: 'approval', type: 'string', required: true, choices: ['auto', 'operator'] },
    { name: 'at', type: 'string' },
    { name: 'on', type: 'string' },
    { name: 'cap', type: 'string' },
    ...PLAN_FILTER_OPTIONS,
    { name: 'tables', type: 'boolean' },
  ],
  async handler(ctx, o) {
    const { book, scheduler } = schedulesOf(ctx.app);
    const { config } = ctx.app;
    const invalid = (said: Message) => new TributaryError('SCHEDULE_INVALID', said);
    parseAddress(o.token, 'token');
    const reward = o.reward.trim().toUpperCase() === 'SOL' ? 'SOL' : parseAddress(o.reward, 'reward').toBase58();
    if (!DECIMAL.test(o.amount.trim()) || /^[0.]+$/.test(o.amount.trim())) throw invalid(msg('cmd.schedule.amount', { amount: o.amount }));
    if (o.min !== undefined) refuseNegativeMin(o.min);
    const exclude = o.exclude !== undefined ? splitList(o.exclude) : undefined;
    for (const address of exclude ?? []) parseAddress(address, 'exclude');
    const allowed = config.guards.allowedRewards;
    if (allowed !== null && !allowed.includes(reward)) {
      throw new TributaryError('REWARD_NOT_ALLOWED', msg('cmd.schedule.notAllowed', { reward, allowed: allowed.length ? allowed.join(', ') : msg('guard.nothing') }));
    }
    const approval = o.approval as Approval;
    if (o.cap !== undefined) {
      if (approval !== 'auto') throw invalid(msg('cmd.schedule.capNotAuto'));
      if (!DECIMAL.test(o.cap.trim())) throw invalid(msg('cmd.schedule.capNumber', { cap: o.cap }));
    }
    if (approval === 'auto' && config.network === 'mainnet-beta' && o.cap === undefined) {
      throw invalid(msg('cmd.schedule.capMainnet'));
    }
    const cadence = parseCadence({ every: o.every, at: o.at, on: o.on, tz: o.tz }, config.schedules.minIntervalMs);
    const request: ScheduleRequest = {
      token: o.token.trim(),
      amount: o.amount.trim(),
      reward,
      ...(o.mode ? { mode: o.mode as 'proportional' | 'equal' } : {}),
      ...(o.min !== undefined ? { min: o.min.trim() } : {}),
      ...(exclude ? { exclude } : {}),
      ...(o.max !== undefined ? { max: o.max } : {}),
      ...(o.offcurve !== undefined ? { includeOffCurve: o.offcurve } : {}),
    };
    const now = scheduler.now();
    const schedule = await book.create({
      request,
      cadence,
      approval,
      cap: o.cap?.trim() ?? null,
      state: 'active',
      createdBy: ctx.caller.actor,
      place: { platform: ctx.caller.chat.platform, id: ctx.caller.chat.id },
      createdAt: now,
      from: now,
      ...(o.tables ? { lookupTables: true } : {}),
    });
    const next = nextOccurrence(cadence, now);
    return {
      text: [
        ctx.t('cmd.schedule.created', { id: schedule.id, pays: whatItPays(schedule, ctx.t), cadence: cadenceText(cadence, ctx.t), approval: approvalText(schedule, ctx.t) }),
        next === null ? ctx.t('cmd.schedule.noFirst') : ctx.t('cmd.schedule.first', { at: localTimeText(next, cadence.tz, ctx.t) }),
        ctx.t('cmd.schedule.each', { id: schedule.id }),
        ...(o.tables ? [ctx.t('cmd.schedule.tables')] : []),
      ].join('\n'),
    };
  },
});
