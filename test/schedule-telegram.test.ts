/**
 * A schedule on Telegram: created in a group by typing, its occurrence posted
 * there by the real grammY bot with Confirm / Skip buttons that any operator of the group may press
 * (a member's press is refused by the role check), confirmed by an operator who was not shown it in
 * person, paid on the local chain over real JSON-RPC, its progress followed in the group.
 */
import { defaultConfig } from '../src/config/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduleNotifier } from '../src/chat/schedule-posts.js';
import { processHolder } from '../src/engine/lease.js';
import { startTelegram } from '../src/platforms/telegram/start-telegram.js';
import { ScheduleBook } from '../src/schedule/book.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { openStore } from '../src/store/index.js';
import { startChatApp } from './helpers/chat-app.js';
import { startTelegramStandin, type StoredTelegramMessage, type TelegramStandin } from './standins/telegram.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function buttons(m: StoredTelegramMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of (m.current.replyMarkup?.inline_keyboard ?? []).flat()) if ('callback_data' in b && b.callback_data) out[b.text] = b.callback_data;
  return out;
}

async function pressed(t: TelegramStandin, data: string, from: string, messageId: number) {
  const id = t.pressButton({ data, from, messageId }).callback_query?.id as string;
  return vi.waitFor(
    () => {
      const q = t.callbackQueries.get(id);
      if (q?.answeredAt === undefined) throw new Error('not answered yet');
      return q;
    },
    { timeout: 20_000, interval: 20 },
  );
}

describe('a schedule on Telegram', () => {
  it('posts its occurrence in the group with Confirm / Skip; a member cannot press them, an operator confirms and it pays', async () => {
    const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
    cleanups.push(() => telegram.close());
    const chat = await startChatApp({ config: { telegram: { token: telegram.token, apiRoot: telegram.apiRoot }, roles: { operator: { telegramChatAdmins: true } } } });
    cleanups.push(() => chat.close());
    const dir = mkdtempSync(join(tmpdir(), 'tributary-schedule-tg-'));
    const store = await openStore({ dataDir: dir, sweepIntervalMs: 0 });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    const clock = { now: Date.parse('2027-03-01T08:00:00Z') };
    const logger = pino({ level: 'silent' });
    const book = ScheduleBook.of(store);
    const scheduler = new Scheduler({
      book,
      service: chat.app.engine.service,
      notify: scheduleNotifier(chat.app, logger),
      logger,
      now: () => clock.now,
      checkIntervalMs: defaultConfig().schedules.checkIntervalMs,
      holder: processHolder(),
    });
    chat.app.schedules = { book, scheduler };
    const bot = await startTelegram(chat.app, { botInfo: telegram.botInfo });
    cleanups.push(() => bot.stop());
    await bot.ready;
    const group = telegram.fixture.group.id;

    const asked = telegram.sendText({
      text: `/schedule create token:${chat.harness.net.scenario.baseMint} amount:60 reward:SOL every:daily at:09:00 tz:UTC approval:operator`,
      from: 'alice',
    }).message?.message_id;
    const created = await vi.waitFor(
      () => {
        const m = telegram.messagesIn(group).find((x) => x.fromBot && x.replyToMessageId === asked);
        if (!m) throw new Error('no answer yet');
        return m.current.text;
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(created).toContain('daily at 09:00 UTC; an operator confirms each occurrence.');

    clock.now = Date.parse('2027-03-01T09:00:04Z');
    const [occurrence] = (await scheduler.check()).fired;
    const post = telegram.messagesIn(group).find((m) => m.fromBot && m.current.text.includes('needs an operator')) as StoredTelegramMessage;
    expect(post.current.text).toContain(`/distribute confirm id:${occurrence?.planId}`);
    const keys = buttons(post);
    expect(Object.keys(keys)).toEqual(['Confirm', 'Skip']);

    // bob is a member of the group, not an operator: the press runs the command's role check.
    expect((await pressed(telegram, keys['Confirm'] as string, 'bob', post.messageId)).answer?.text).toContain('/distribute confirm is for operators');
    expect(chat.sent()).toBe(0);
    // alice was not shown it in person (nobody was: it was posted to the group); as an operator she may confirm.
    await pressed(telegram, keys['Confirm'] as string, 'alice', post.messageId);
    await vi.waitFor(() => expect(telegram.messagesIn(group).some((m) => m.fromBot && m.current.text.includes(`Distribution ${occurrence?.planId} · completed`))).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
    expect(chat.sent()).toBeGreaterThan(0);
    expect((await scheduler.check()).settled.map((o) => o.state)).toEqual(['started']);
  });
});
