import { defineCommand } from '../src/chat/define.js';
import { msg, type Message } from '../src/i18n/index.js';
import { refuseNegativeMin, splitList } from '../src/chat/holders.js';
import { approvalText, cadenceText, localTimeText, schedulesOf, whatItPays } from '../src/chat/schedules.js';
import { parseAddress } from '../src/engine/address.js';
import { TributaryError } from '../src/engine/errors.js';
import type { Approval, ScheduleRequest } from '../src/schedule/book.js';
import { nextOccurrence, parseCadence } from '../src/schedule/cadence.js';

const DECIMAL = /^\d+(\.\d+)?$/;

export default defineCommand({
  name: 'schedule create',
  description: 'A recurring distribution: each occurrence snapshots, plans and is confirmed within the guards',
  role: 'operator',
  audit: true,
  // Discord lists required options first.
  options: [
    { name: 'token', description: 'Mint of the token whose holders are paid', type: 'string', required: true },
    { name: 'amount', description: 'Total of each occurrence, in reward units, e.g. 1000 or 0.5', type: 'string', required: true },
    { name: 'reward', description: 'SOL, or the mint address of the reward token', type: 'string', required: true },
    { name: 'every', description: 'daily, weekly, monthly, or a cron expression such as "0 9 * * 1"', type: 'string', required: true },
    { name: 'tz', description: 'IANA time zone of the times, e.g. Europe/Berlin, America/New_York, UTC', type: 'string', required: true },
    { name: 'approval', description: 'auto: confirms itself within the guards; operator: waits for an operator', type: 'string', required: true, choices: ['auto', 'operator'] },
    { name: 'at', description: 'Local time HH:MM (daily, weekly, monthly)', type: 'string' },
    { name: 'on', description: 'Weekly: mon..sun (default mon); monthly: 1..28 or last (default 1)', type: 'string' },
    { name: 'cap', description: 'approval:auto: the largest total it confirms by itself (required on mainnet)', type: 'string' },
    { name: 'mode', description: 'proportional to holdings (default) or equal shares', type: 'string', choices: ['proportional', 'equal'] },
    { name: 'min', description: 'Least holding to be paid, in token units', type: 'string' },
    { name: 'exclude', description: 'Wallets left out, separated by commas', type: 'string' },
    { name: 'max', description: 'Pay only the largest N holders', type: 'integer' },
    { name: 'offcurve', description: 'Include pools, vaults and program accounts (default false)', type: 'boolean' },
    { name: 'tables', description: 'Keep lookup tables of the recipients (rent held until deleted) and pay with far fewer transactions', type: 'boolean' },
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
