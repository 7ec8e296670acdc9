/**
 * What a schedule's occurrences say in chat (src/schedule/scheduler.ts's ScheduleNotifier): a run
 * that confirmed itself posts its progress and summary where progress goes; one that needs an
 * operator posts its preview with Confirm / Skip where operators are; a skipped or failed one says
 * why. Each goes to the channels configured for it (channels.progress, channels.operators), or to
 * the chat the schedule was created in when none is.
 */
import { translator } from '../i18n/index.js';
import type { Logger } from 'pino';
import type { ChatServices } from './services.js';
import { formatAmount } from '../engine/amounts.js';
import type { PlanPreview } from '../engine/preview.js';
import type { DistributionStatus } from '../engine/service.js';
import type { Occurrence, Schedule } from '../schedule/book.js';
import { describeCadence, localTime, nextOccurrence } from '../schedule/cadence.js';
import type { ScheduleNotifier } from '../schedule/scheduler.js';
import { channelPosts } from './channel-posts.js';
import { channelLocale } from './languages.js';
import { chatRuntime } from './runtime.js';
import { confirmCommand, renderPreview, rewardAmount } from './format.js';
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

  /** Posts in each target chat; returns the chats it reached. */
  const post = async (schedule: Pick<Schedule, 'id' | 'place'>, where: Where, reply: CommandReply): Promise<ChatRef[]> => {
    const posted: ChatRef[] = [];
    for (const chat of targets(schedule, where)) {
      try {
        if (await posts.post(chat, reply)) posted.push(chat);
        else logger.warn({ scheduleId: schedule.id, platform: chat.platform }, 'schedule post: no adapter of that platform runs in this process');
      } catch (err) {
        logger.warn({ err, scheduleId: schedule.id, platform: chat.platform }, 'schedule post not delivered');
      }
    }
    if (posted.length === 0) logger.warn({ scheduleId: schedule.id, text: reply.text.split('\n')[0] }, 'schedule post shown nowhere');
    return posted;
  };

  return {
    async started(schedule, occurrence, status: DistributionStatus) {
      const { plan } = status;
      await post(schedule, 'progress', {
        text: [
          `${header(schedule, occurrence)} confirmed itself within its guards: paying ${rewardAmount(plan.total, plan)} to ${plan.recipients.length} holders (distribution ${plan.id}). Progress follows in one message.`,
          ...missedNote(schedule, occurrence),
          ...lookupNote(occurrence),
          nextLine(schedule, now()),
        ].join('\n'),
        planId: plan.id,
        followProgress: plan.id,
      });
    },

    async awaiting(schedule, occurrence, preview: PlanPreview, reason) {
      const { plan } = preview;
      // Shown to the chats it is posted in, not to one person: an operator there may confirm it (plan-origins.ts).
      const { plans } = await chatRuntime(app);
      await plans.rememberPosted(plan.id, targets(schedule, 'operators'));
      await post(schedule, 'operators', {
        text: [
          `${header(schedule, occurrence)} needs an operator: ${reason}.`,
          ...missedNote(schedule, occurrence),
          renderPreview(preview, translator(channelLocale(app.config, app.config.channels.operators))),
          ...lookupNote(occurrence),
          `Or skip this occurrence: /schedule skip id:${plan.id}. If nobody confirms it before the plan expires, it is skipped.`,
        ].join('\n'),
        planId: plan.id,
        buttons: [
          { label: 'Confirm', command: confirmCommand(plan.id), style: 'primary' },
          { label: 'Skip', command: `/schedule skip id:${plan.id}`, style: 'danger' },
        ],
        buttonTtlMs: Math.max(1_000, plan.expiresAt - Date.now()),
      });
    },

    async skipped(schedule, occurrence, why) {
      await post(schedule, 'operators', {
        text: [`${header(schedule, occurrence)} was skipped: ${why}. Nothing was sent for it.`, ...missedNote(schedule, occurrence), nextLine(schedule, now())].join('\n'),
      });
    },

    async tablesClosed(closed) {
      await post({ id: closed.id, place: closed.place ?? { platform: 'console', id: 'console' } }, 'operators', {
        text: `⏱ Schedule ${closed.id} (deleted): its ${closed.tables} lookup table(s) are closed; ${formatAmount(BigInt(closed.returnedLamports), 9)} SOL of rent is back with the distributor.`,
      });
    },

    async failed(schedule, occurrence, why) {
      await post(schedule, 'operators', {
        text: [`${header(schedule, occurrence)} did not run: ${why}. Nothing was sent for it.`, ...missedNote(schedule, occurrence), nextLine(schedule, now())].join('\n'),
      });
    },
  };
}

function header(schedule: Schedule, occurrence: Occurrence): string {
  const what = occurrence.trigger === 'manual' ? 'a run now (/schedule run)' : `the occurrence of ${localTime(occurrence.at, schedule.cadence.tz)}`;
  return `⏱ Schedule ${schedule.id} (${describeCadence(schedule.cadence)}): ${what}`;
}

/** The occurrences a bot that was down did not run, said once, with the one that runs. */
export function missedNote(schedule: Schedule, occurrence: Occurrence): string[] {
  if (occurrence.trigger !== 'missed') return [];
  const due = `It was due at ${localTime(occurrence.at, schedule.cadence.tz)}, while the bot was not running, so it runs now, once.`;
  if (!occurrence.missed || occurrence.missed.count === 0) return [due];
  const { count, first } = occurrence.missed;
  return [`${due} ${count} earlier occurrence(s) were missed too, from ${localTime(first, schedule.cadence.tz)} on: they are skipped, not run.`];
}

/** What the schedule's lookup tables hold and what they save on this plan. */
export function lookupNote(occurrence: Occurrence): string[] {
  const l = occurrence.lookup;
  if (!l) return [];
  const sol = (lamports: string) => `${formatAmount(BigInt(lamports), 9)} SOL`;
  const held = l.tables > 0 ? `its ${l.tables} table(s) hold ${sol(l.rentHeldLamports)} of rent` : 'no table yet';
  const added = l.setupTransactions > 0 ? `; before paying, ${l.setupTransactions} table transaction(s) add ${sol(l.rentAddedLamports)} of rent for the accounts not in them yet` : '';
  return [`Lookup tables: ${held}${added}; ${l.transactions} transaction(s) instead of ${l.legacyTransactions} (${Math.max(0, l.legacyTransactions - l.transactions)} saved). The rent comes back when the schedule is deleted.`];
}

function nextLine(schedule: Schedule, now: number): string {
  if (schedule.state !== 'active') return `The schedule is ${schedule.state}.`;
  const next = nextOccurrence(schedule.cadence, now);
  return next === null ? 'The schedule has no occurrence to come.' : `Next: ${localTime(next, schedule.cadence.tz)}.`;
}
