/**
 * The real grammY bot against the Telegram Bot API stand-in, over the local chain: a group where
 * alice administers (and so operates) and bob is a member, and private chats with the bot.
 */
import { msg } from '../src/i18n/index.js';
import { randomInt } from 'node:crypto';
import bs58 from 'bs58';
import { nativeSigner } from '../src/solana/signer.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTelegram, type TelegramAdapter } from '../src/platforms/telegram/start-telegram.js';
import { startChatApp, type ChatApp } from './helpers/chat-app.js';
import { startTelegramStandin, type StoredTelegramMessage, type TelegramStandin } from './standins/telegram.js';

interface World {
  telegram: TelegramStandin;
  chat: ChatApp;
  bot: TelegramAdapter;
  group: number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function world(opts: { previewTtlMs?: number; operators?: string[] } = {}): Promise<World> {
  // A token of the shape config validation expects from @BotFather.
  const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
  cleanups.push(() => telegram.close());
  const chat = await startChatApp({
    ...(opts.previewTtlMs ? { previewTtlMs: opts.previewTtlMs } : {}),
    config: {
      telegram: { token: telegram.token, apiRoot: telegram.apiRoot },
      // Chat administrators operate: alice is one in the fixture group, bob is a member.
      roles: { operator: { telegramChatAdmins: true, telegramUserIds: (opts.operators ?? []).map((u) => String(telegram.fixture.user(u).id)) } },
    },
  });
  cleanups.push(() => chat.close());
  const bot = await startTelegram(chat.app, { botInfo: telegram.botInfo });
  cleanups.push(() => bot.stop());
  return { telegram, chat, bot, group: telegram.fixture.group.id };
}

/** The bot's answer to a user's message: the first bot message replying to it. */
async function answerTo(t: TelegramStandin, chatId: number, userMessageId: number): Promise<StoredTelegramMessage> {
  return vi.waitFor(
    () => {
      const m = t.messagesIn(chatId).find((x) => x.fromBot && x.replyToMessageId === userMessageId);
      if (!m) throw new Error('no answer yet');
      return m;
    },
    { timeout: 20_000, interval: 20 },
  );
}

function say(t: TelegramStandin, text: string, from: string, chatId?: number): number {
  const update = t.sendText({ text, from, ...(chatId !== undefined ? { chatId } : {}) });
  return update.message?.message_id as number;
}

function buttons(m: StoredTelegramMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of (m.current.replyMarkup?.inline_keyboard ?? []).flat()) if ('callback_data' in b && b.callback_data) out[b.text] = b.callback_data;
  return out;
}

async function pressed(t: TelegramStandin, data: string, from: string, messageId: number, chatId?: number) {
  const update = t.pressButton({ data, from, messageId, ...(chatId !== undefined ? { chatId } : {}) });
  const id = update.callback_query?.id as string;
  return vi.waitFor(
    () => {
      const q = t.callbackQueries.get(id);
      if (q?.answeredAt === undefined) throw new Error('not answered yet');
      return q;
    },
    { timeout: 20_000, interval: 20 },
  );
}

async function preview(w: World, from = 'alice', chatId = w.group) {
  const { scenario } = w.chat.harness.net;
  const asked = say(w.telegram, `/distribute preview token:${scenario.baseMint} amount:1000 reward:${scenario.rewardMint} mode:proportional`, from, chatId);
  const answer = await answerTo(w.telegram, chatId, asked);
  const planId = /^\/distribute confirm id:(\w{8})$/m.exec(answer.current.text)?.[1] as string;
  return { answer, planId, buttons: buttons(answer) };
}

describe('Telegram bot with the real grammY bot', () => {
  it('lets a chat admin preview, confirm with the inline button, watch one progress message being edited, and get the summary and the CSV', async () => {
    const w = await world();
    const { answer, planId, buttons: keys } = await preview(w);
    expect(planId).toMatch(/^\w{8}$/);
    expect(answer.current.text).toContain('Risk flags:');
    expect(Object.keys(keys)).toEqual(['Confirm', 'Cancel']);
    for (const data of Object.values(keys)) expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(w.chat.sent()).toBe(0);

    const query = await pressed(w.telegram, keys['Confirm'] as string, 'alice', answer.messageId);
    expect(query.answer).toEqual({});
    const confirmed = await vi.waitFor(
      () => {
        const m = w.telegram.messagesIn(w.group).find((x) => x.fromBot && x.current.text.includes(`Distribution ${planId} confirmed by alice (telegram)`));
        if (!m) throw new Error('not yet');
        return m;
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(confirmed.replyToMessageId).toBe(answer.messageId);
    // The used buttons are taken off the preview.
    expect(answer.current.replyMarkup?.inline_keyboard ?? []).toEqual([]);

    const progress = await vi.waitFor(
      () => {
        const m = w.telegram.messagesIn(w.group).find((x) => x.fromBot && x.history[0]?.text.startsWith(`Distribution ${planId} · running`));
        if (!m?.current.text.includes('Success rate')) throw new Error('no summary yet');
        return m;
      },
      { timeout: 30_000, interval: 50 },
    );
    const versions = progress.history.map((v) => v.text);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).not.toBe(versions[i - 1]);
    expect(versions.at(-1)).toMatch(/· completed\n\[█{20}\] \d+\/\d+ paid · 0 failed\nSuccess rate 100%/);
    const csv = await vi.waitFor(
      () => {
        const d = w.telegram.documents.find((x) => x.filename === `tributary-${planId}.csv`);
        if (!d) throw new Error('no document yet');
        return d;
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(csv.chatId).toBe(w.group);
    expect(csv.bytes?.toString()).toContain(w.chat.holder.publicKey.toBase58());
    expect(w.chat.sent()).toBeGreaterThan(0);
    // Never an identical edit: Telegram would have answered 400 "message is not modified".
    expect(w.telegram.calls.filter((c) => c.method === 'editMessageText').every((c) => c.ok)).toBe(true);
  });

  it('sends the holder list and a plan report as CSV documents written from files', async () => {
    const w = await world();
    const { scenario } = w.chat.harness.net;
    const document = (name: RegExp) =>
      vi.waitFor(
        () => {
          const d = w.telegram.documents.find((x) => name.test(x.filename ?? ''));
          if (!d) throw new Error('no document yet');
          return d;
        },
        { timeout: 20_000, interval: 20 },
      );

    const asked = say(w.telegram, `/holders export token:${scenario.baseMint} min:0`, 'alice', w.group);
    const answer = await answerTo(w.telegram, w.group, asked);
    // The seeded community's wallets (off-curve owners are left out by default), and the chat's own holder.
    const expected = [...scenario.holders.filter((h) => !h.offCurve).map((h) => h.owner), w.chat.holder.publicKey.toBase58()].sort();
    expect(answer.current.text).toContain(`Holders of ${scenario.baseMint} at slot`);
    expect(answer.current.text).toContain(`${expected.length} wallets`);
    const holders = await document(new RegExp(`^holders-${scenario.baseMint.slice(0, 8)}-\\d+\\.csv$`));
    const lines = holders.bytes?.toString().trimEnd().split('\r\n') ?? [];
    expect(lines[0]).toBe('owner,amount,token_accounts,off_curve');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(expected);

    const { planId } = await preview(w);
    const exported = say(w.telegram, `/distribute export id:${planId}`, 'alice', w.group);
    expect((await answerTo(w.telegram, w.group, exported)).current.text).toContain(planId);
    const report = await document(new RegExp(`^tributary-${planId}\\.csv$`));
    // A preview's report: every planned recipient, nothing paid yet.
    expect(report.bytes?.toString()).toContain(w.chat.holder.publicKey.toBase58());
    expect(w.chat.sent()).toBe(0);
  });

  it('counts a chat administrator as an operator only in that chat: alice may not confirm from her private chat', async () => {
    const w = await world();
    const { planId } = await preview(w);
    const alice = w.telegram.fixture.user('alice');
    const asked = say(w.telegram, `/distribute confirm id:${planId}`, 'alice', alice.id);
    expect((await answerTo(w.telegram, alice.id, asked)).current.text).toContain('/distribute confirm is for operators');
    expect(w.chat.sent()).toBe(0);
  });

  it('refuses a member without the role, by button and by command, and sends nothing', async () => {
    const w = await world();
    const { answer, planId, buttons: keys } = await preview(w);

    const query = await pressed(w.telegram, keys['Confirm'] as string, 'bob', answer.messageId);
    expect(query.answer).toEqual({ text: '✖ this button is for alice; type the command yourself if you mean to run it', show_alert: true });

    const asked = say(w.telegram, `/distribute confirm id:${planId}`, 'bob');
    expect((await answerTo(w.telegram, w.group, asked)).current.text).toContain('/distribute confirm is for operators');
    const help = say(w.telegram, '/help', 'bob');
    const helpText = (await answerTo(w.telegram, w.group, help)).current.text;
    expect(helpText).toContain('/wallet link');
    expect(helpText).not.toContain('/distribute preview');

    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);
  });

  it('refuses a forged button, a button sent from another chat, and a plan confirmed from another chat', async () => {
    // alice is listed as an operator, so she is one in her private chat too: only the chat check refuses.
    const w = await world({ operators: ['alice'] });
    const { answer, planId, buttons: keys } = await preview(w);
    const alice = w.telegram.fixture.user('alice');

    // A client can put anything in callback_data; only keys the bot issued do anything.
    const forge = (data: string, chat: { id: number; type: 'private' | 'supergroup' }) => {
      const id = `${randomInt(1e9)}`;
      w.telegram.callbackQueries.set(id, {
        id,
        chatId: chat.id,
        messageId: answer.messageId,
        fromId: alice.id,
        data,
        sentAt: Date.now(),
        answeredAt: undefined,
        answer: undefined,
      });
      const message = {
        message_id: answer.messageId,
        date: 0,
        chat: chat.id === w.group ? w.telegram.fixture.group : { id: chat.id, type: 'private', first_name: 'alice' },
        from: w.telegram.botInfo,
        text: 'x',
      };
      w.telegram.sendUpdate({ callback_query: { id, from: alice, message, chat_instance: '1', data } } as never);
      return vi.waitFor(
        () => {
          const q = w.telegram.callbackQueries.get(id);
          if (q?.answeredAt === undefined) throw new Error('not answered');
          return q;
        },
        { timeout: 20_000, interval: 20 },
      );
    };
    expect((await forge('b:0000000000zz', { id: w.group, type: 'supergroup' })).answer?.text).toContain('this button is not one I issued');
    say(w.telegram, '/help', 'alice', alice.id); // opens the private chat
    expect((await forge(keys['Confirm'] as string, { id: alice.id, type: 'private' })).answer?.text).toContain('this button belongs to another chat');

    const asked = say(w.telegram, `/distribute confirm id:${planId}`, 'alice', alice.id);
    expect((await answerTo(w.telegram, alice.id, asked)).current.text).toContain(`plan ${planId} was previewed in another chat`);

    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);
  });

  it('refuses to confirm an expired plan, by button or typed, and sends nothing', async () => {
    const w = await world({ previewTtlMs: 1_000 });
    const { answer, planId, buttons: keys } = await preview(w);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await pressed(w.telegram, keys['Confirm'] as string, 'alice', answer.messageId)).answer?.text).toBe('✖ this button has expired; nothing was done');
    const asked = say(w.telegram, `/distribute confirm id:${planId}`, 'alice');
    expect((await answerTo(w.telegram, w.group, asked)).current.text).toContain(`plan ${planId} expired`);
    expect(w.chat.sent()).toBe(0);
  });

  it('lets a holder link a wallet in a private chat with a real ed25519 signature and see its reward', async () => {
    const w = await world();
    const { answer, buttons: keys } = await preview(w);
    await pressed(w.telegram, keys['Confirm'] as string, 'alice', answer.messageId);
    await vi.waitFor(() => expect(w.chat.harness.engine.service.activeIds().length + w.chat.sent()).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    await w.chat.harness.engine.service.whenIdle();

    const bob = w.telegram.fixture.user('bob');
    const link = say(w.telegram, '/wallet link', 'bob', bob.id);
    const message = /^(Tributary wallet link \| telegram:\d+ \| .+)$/m.exec((await answerTo(w.telegram, bob.id, link)).current.text)?.[1] as string;
    const address = w.chat.holder.publicKey.toBase58();
    const signature = bs58.encode(nativeSigner(w.chat.holder)(new TextEncoder().encode(message)));
    const verify = say(w.telegram, `/wallet verify address:${address} signature:${signature}`, 'bob', bob.id);
    expect((await answerTo(w.telegram, bob.id, verify)).current.text).toContain(`Linked ${address}`);

    const rewards = say(w.telegram, '/rewards@tributary_test_bot', 'bob', bob.id);
    expect((await answerTo(w.telegram, bob.id, rewards)).current.text).toMatch(/\w{8} · [\d.]+ \S+ · paid · \S+ · https:\/\/explorer\.solana\.com\/tx\/\w+/);
  });

  it('ignores chatter and commands addressed to another bot', async () => {
    const w = await world();
    say(w.telegram, 'hello everyone', 'bob');
    say(w.telegram, '/help@some_other_bot', 'bob');
    const help = say(w.telegram, '/help', 'bob');
    await answerTo(w.telegram, w.group, help);
    expect(w.telegram.messagesIn(w.group).filter((m) => m.fromBot)).toHaveLength(1);
  });

  it('posts ops reports with their files to the configured chat', async () => {
    const w = await world();
    w.chat.app.config.channels.reports.telegram = String(w.group);
    await w.bot.notifier.post('reports', { lines: [msg('report.noAlerts')], files: [{ name: 'report.png', bytes: new Uint8Array([1]), contentType: 'image/png' }] });
    await w.bot.notifier.post('alerts', { lines: [msg('alert.noData')] });
    expect(w.telegram.messagesIn(w.group).map((m) => m.document?.filename ?? m.current.text)).toEqual(['Alerts fired: none', 'report.png']);
  });

  it('waits out a 429 from Telegram and still answers', async () => {
    const w = await world();
    w.telegram.rateLimitNext({ method: 'sendMessage', retryAfterSec: 0.3 });
    const help = say(w.telegram, '/help', 'bob');
    await answerTo(w.telegram, w.group, help);
    expect(w.telegram.calls.filter((c) => c.method === 'sendMessage').map((c) => c.status)).toEqual([429, 200]);
  });
});
