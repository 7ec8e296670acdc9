/**
 * One rule for confirming a plan, typed or pressed: only the operator shown the
 * plan, in that chat, before it expires. Another operator who types the id is refused like one who
 * presses the button, on Discord (real discord.js), Telegram (real grammY) and the console.
 */
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runConsole } from '../src/platforms/console/run-console.js';
import { startTelegram } from '../src/platforms/telegram/start-telegram.js';
import { startChatApp } from './helpers/chat-app.js';
import { answerTo, discordWorld, previewPlan } from './helpers/discord-world.js';
import { startTelegramStandin } from './standins/telegram.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('confirming a plan', () => {
  it('on Discord: another operator in the same channel can neither type the confirm nor press the button; the previewer can', async () => {
    const w = await discordWorld(cleanups, {
      standin: { members: [{ username: 'alice', roles: ['Tributary Operator'] }, { username: 'bob' }, { username: 'carol', roles: ['Tributary Operator'] }] },
    });
    const { answer, planId, buttons } = await previewPlan(w, 'alice');

    const typed = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: planId }, user: 'carol' });
    const refusedTyped = await answerTo(w.discord, typed.id);
    expect(refusedTyped.current.content).toBe(
      `✖ plan ${planId} was shown to alice; only the operator shown a plan can confirm it. Run /distribute preview yourself to send it; nothing was done`,
    );
    const pressed = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'carol', messageId: answer.id });
    expect((await answerTo(w.discord, pressed.id)).current.content).toContain('this button is for alice');
    // `id:last` is carol's own newest preview here: she has none.
    const last = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: 'last' }, user: 'carol' });
    expect((await answerTo(w.discord, last.id)).current.content).toContain('you have no recent preview in this chat');
    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);

    const own = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: planId }, user: 'alice' });
    expect((await answerTo(w.discord, own.id)).current.content).toContain(`Distribution ${planId} confirmed by alice (discord)`);
    await w.chat.harness.engine.service.whenIdle();
    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('completed');
  });

  it('on Telegram: a second chat administrator typing the id is refused; the previewer confirms', async () => {
    const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}`, users: [{ username: 'alice' }, { username: 'bob' }, { username: 'carol' }] });
    cleanups.push(() => telegram.close());
    const ids = ['alice', 'carol'].map((u) => String(telegram.fixture.user(u).id));
    const chat = await startChatApp({ config: { telegram: { token: telegram.token, apiRoot: telegram.apiRoot }, roles: { operator: { telegramUserIds: ids } } } });
    cleanups.push(() => chat.close());
    const bot = await startTelegram(chat.app, { botInfo: telegram.botInfo });
    cleanups.push(() => bot.stop());
    await bot.ready;
    const group = telegram.fixture.group.id;
    const answer = async (text: string, from: string) => {
      const asked = telegram.sendText({ text, from }).message?.message_id;
      return vi.waitFor(
        () => {
          const m = telegram.messagesIn(group).find((x) => x.fromBot && x.replyToMessageId === asked);
          if (!m) throw new Error('no answer yet');
          return m.current.text;
        },
        { timeout: 20_000, interval: 20 },
      );
    };
    const { scenario } = chat.harness.net;
    const preview = await answer(`/distribute preview token:${scenario.baseMint} amount:1000 reward:${scenario.rewardMint}`, 'alice');
    const planId = /^\/distribute confirm id:(\w{8})$/m.exec(preview)?.[1] as string;
    expect(await answer(`/distribute confirm id:${planId}`, 'carol')).toContain(`plan ${planId} was shown to alice; only the operator shown a plan can confirm it`);
    expect(chat.sent()).toBe(0);
    expect(await answer(`/distribute confirm id:${planId}`, 'alice')).toContain(`Distribution ${planId} confirmed by alice (telegram)`);
  });

  it("on the console: a second operator at the same terminal cannot confirm the first one's plan", async () => {
    const c = await startChatApp();
    cleanups.push(() => c.close());
    const run = async (userId: string, text: string) => {
      const output = new PassThrough();
      let printed = '';
      output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
      await runConsole(c.app, { input: Readable.from([text]), output, identity: { userId, role: 'operator' } });
      return printed;
    };
    const { scenario } = c.harness.net;
    const preview = await run('ops-a', `/distribute preview token:${scenario.baseMint} amount:1000 reward:${scenario.rewardMint}\n`);
    const planId = /Plan (\w{8}) \(localnet\)/.exec(preview)?.[1] as string;
    expect(await run('ops-b', `/distribute confirm id:${planId}\n`)).toContain(`✖ plan ${planId} was shown to ops-a; only the operator shown a plan can confirm it`);
    expect(c.sent()).toBe(0);
    expect(await run('ops-a', `/distribute confirm id:${planId}\n`)).toMatch(new RegExp(`Distribution ${planId} · completed`));
  });
});
