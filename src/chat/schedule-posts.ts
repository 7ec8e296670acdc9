/**
 * What a schedule's occurrences say in chat (src/schedule/scheduler.ts's ScheduleNotifier): a run
 * that confirmed itself posts its progress and summary where progress goes; one that needs an
 * operator posts its preview with Confirm / Skip where operators are; a skipped or failed one says
 * why. Each goes to the channels configured for it (channels.progress, channels.operators), or to
 * the chat the schedule was created in when none is.
 */
import { lamportsParam, msg, translator, type Translator } from '../i18n/index.js';
import type { Logger } from 'pino';
import type { ChatServices } from './services.js';
import type { PlanPreview } from '../engine/preview.js';
import type { DistributionStatus } from '../engine/service.js';
import type { Occurrence, Schedule } from '../schedule/book.js';
import { nextOccurrence } from '../schedule/cadence.js';
import type { ScheduleNotifier } from '../schedule/scheduler.js';
import { channelPosts } from './channel-posts.js';
import { channelLocale } from './languages.js';
import { chatRuntime } from './runtime.js';
import { confirmCommand, renderPreview, rewardParam } from './format.js';
import { cadenceText, localTimeText } from './schedules.js';
import type { ChatRef, CommandReply } from './types.js';

type Where = 'progress' | 'operators';

export function scheduleNotifier(app: ChatServices, logger: Logger): ScheduleNotifier {
  // The scheduler's clock (injectable in tests), once it exists.
  const now = () => app.schedules?.scheduler.now() ?? Date.now();
  const posts = channelPosts(app);

  const targets = (schedule: Pick<Schedule, 'place'>, where: Where): ChatRef[] => {
    const configured = app.config.channels[where];
    const chats: ChatRef[] = [];
    if (configured.discord) chats.push({ platform: 'discord', id: configured.discord });
    if (configured.telegram) chats.push({ platform: 'telegram', id: configured.telegram });
    return chats.length ? chats : [{ platform: schedule.place.platform, id: schedule.place.id }];
  };

  /** The words of a chat a post goes to: its platform's own (the console's), else the channel's (config.channels.<where>.language, else language). */
  const wordsOf = (where: Where, chat?: ChatRef): Translator =>
    translator((chat ? posts.localeOf(chat.platform) : undefined) ?? channelLocale(app.config, app.config.channels[where]));

  /** Posts in each target chat, each in its words; returns the chats it reached. */
  const post = async (schedule: Pick<Schedule, 'id' | 'place'>, where: Where, compose: (t: Translator) => CommandReply): Promise<ChatRef[]> => {
    const posted: ChatRef[] = [];
    let reply: CommandReply | undefined;
    for (const chat of targets(schedule, where)) {
      try {
        reply = compose(wordsOf(where, chat));
        if (await posts.post(chat, reply)) posted.push(chat);
        else logger.warn({ scheduleId: schedule.id, platform: chat.platform }, 'schedule post: no adapter of that platform runs in this process');
      } catch (err) {
        logger.warn({ err, scheduleId: schedule.id, platform: chat.platform }, 'schedule post not delivered');
      }
    }
    if (posted.length === 0) logger.warn({ scheduleId: schedule.id, text: reply?.text.split('\n')[0] }, 'schedule post shown nowhere');
    return posted;
  };

  return {
    async started(schedule, occurrence, status: DistributionStatus) {
      const { plan } = status;
      await post(schedule, 'progress', (t) => ({
        text: [
          t('schedule.post.started', { header: header(schedule, occurrence, t), total: rewardParam(plan.total, plan), recipients: plan.recipients.length, id: plan.id }),
          ...missedNote(schedule, occurrence, t),
          ...lookupNote(occurrence, t),
          nextLine(schedule, now(), t),
        ].join('\n'),
        planId: plan.id,
        followProgress: plan.id,
      }));
    },

    async awaiting(schedule, occurrence, preview: PlanPreview, reason) {
      const { plan } = preview;
      // Shown to the chats it is posted in, not to one person: an operator there may confirm it (plan-origins.ts).
      const { plans } = await chatRuntime(app);
      await plans.rememberPosted(plan.id, targets(schedule, 'operators'));
      await post(schedule, 'operators', (t) => ({
        text: [
          t('schedule.post.awaiting', { header: header(schedule, occurrence, t), reason }),
          ...missedNote(schedule, occurrence, t),
          renderPreview(preview, t),
          ...lookupNote(occurrence, t),
          t('schedule.post.orSkip', { id: plan.id }),
        ].join('\n'),
        planId: plan.id,
        buttons: [
          { label: t('button.confirm'), command: confirmCommand(plan.id), style: 'primary' },
          { label: t('button.skip'), command: `/schedule skip id:${plan.id}`, style: 'danger' },
        ],
        buttonTtlMs: Math.max(1_000, plan.expiresAt - Date.now()),
      }));
    },

    async skipped(schedule, occurrence, why) {
      await post(schedule, 'operators', (t) => ({
        text: [t('schedule.post.skipped', { header: header(schedule, occurrence, t), why }), ...missedNote(schedule, occurrence, t), nextLine(schedule, now(), t)].join('\n'),
      }));
    },

    async tablesClosed(closed) {
      await post({ id: closed.id, place: closed.place ?? { platform: 'console', id: 'console' } }, 'operators', (t) => ({
        text: t('schedule.post.tablesClosed', { id: closed.id, count: closed.tables, rent: lamportsParam(BigInt(closed.returnedLamports)) }),
      }));
    },

    async failed(schedule, occurrence, why) {
      await post(schedule, 'operators', (t) => ({
        text: [t('schedule.post.failed', { header: header(schedule, occurrence, t), why }), ...missedNote(schedule, occurrence, t), nextLine(schedule, now(), t)].join('\n'),
      }));
    },
  };
}

function header(schedule: Schedule, occurrence: Occurrence, t: Translator): string {
  const what = occurrence.trigger === 'manual' ? t('schedule.post.runNow') : t('schedule.post.occurrenceOf', { at: localTimeText(occurrence.at, schedule.cadence.tz, t) });
  return t('schedule.post.header', { id: schedule.id, cadence: cadenceText(schedule.cadence, t), what });
}

/** The occurrences a bot that was down did not run, said once, with the one that runs. */
export function missedNote(schedule: Schedule, occurrence: Occurrence, t: Translator): string[] {
  if (occurrence.trigger !== 'missed') return [];
  const due = t('schedule.post.due', { at: localTimeText(occurrence.at, schedule.cadence.tz, t) });
  if (!occurrence.missed || occurrence.missed.count === 0) return [due];
  const { count, first } = occurrence.missed;
  return [t('schedule.post.dueMissed', { due, count, first: localTimeText(first, schedule.cadence.tz, t) })];
}

/** What the schedule's lookup tables hold and what they save on this plan. */
export function lookupNote(occurrence: Occurrence, t: Translator): string[] {
  const l = occurrence.lookup;
  if (!l) return [];
  const sol = (lamports: string) => lamportsParam(BigInt(lamports));
  const held = l.tables > 0 ? t('schedule.post.tablesHeld', { count: l.tables, rent: sol(l.rentHeldLamports) }) : t('schedule.post.noTable');
  const added = l.setupTransactions > 0 ? t('schedule.post.tablesAdded', { count: l.setupTransactions, rent: sol(l.rentAddedLamports) }) : '';
  return [t('schedule.post.tables', { held, added, transactions: l.transactions, legacy: l.legacyTransactions, saved: Math.max(0, l.legacyTransactions - l.transactions) })];
}

function nextLine(schedule: Schedule, now: number, t: Translator): string {
  if (schedule.state !== 'active') return t('schedule.post.state', { state: msg(`schedule.state.${schedule.state}`) });
  const next = nextOccurrence(schedule.cadence, now);
  return next === null ? t('schedule.post.noNext') : t('schedule.post.next', { at: localTimeText(next, schedule.cadence.tz, t) });
}
