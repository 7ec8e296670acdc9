/**
 * Ops learn of trouble from the bot: on-chain failures injected into a running distribution make the
 * success-rate alert reach the ops channel on Discord and on Telegram exactly once, and its
 * resolution follows once payments succeed again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMonitoring } from '../src/app/monitoring.js';
import { openStore } from '../src/store/index.js';
import { startDiscord } from '../src/platforms/discord/start-discord.js';
import { startTelegram } from '../src/platforms/telegram/start-telegram.js';
import { startChatApp } from './helpers/chat-app.js';
import { DISCORD_TEST_TOKEN } from './helpers/discord-world.js';
import { operator } from './helpers/engine.js';
import { PublicKey } from '@solana/web3.js';
import { getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { writeTokenAccount } from '../src/localnet/token-accounts.js';
import { startDiscordStandin } from './standins/discord.js';
import { startTelegramStandin } from './standins/telegram.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('daily performance report', () => {
  it("carries the day's real numbers and a valid PNG chart when asked with /report on Telegram", async () => {
    const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
    cleanups.push(() => telegram.close());
    const chat = await startChatApp({
      holders: 30,
      seed: 42,
      config: { telegram: { token: telegram.token, apiRoot: telegram.apiRoot }, roles: { operator: { telegramChatAdmins: true } } },
    });
    cleanups.push(() => chat.close());
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-report-')), sweepIntervalMs: 0 });
    const monitoring = await startMonitoring({ config: chat.app.config, store, engine: chat.harness.engine, logger: chat.app.logger, http: false });
    cleanups.push(async () => {
      await monitoring.monitor.stop();
      await store.close();
    });
    chat.app.monitoring = monitoring;
    const tg = await startTelegram(chat.app, { botInfo: telegram.botInfo });
    cleanups.push(() => tg.stop());

    const { net, engine } = chat.harness;
    const preview = await engine.service.preview({ token: net.scenario.baseMint, amount: '250.5', reward: net.scenario.rewardMint }, operator);
    await engine.service.confirm(preview.plan.id, operator);
    await engine.service.whenIdle();
    const paid = preview.plan.recipients.length;

    const today = new Date().toISOString().slice(0, 10);
    const group = telegram.fixture.group.id;
    const asked = telegram.sendText({ text: `/report date:${today}`, from: 'alice', chatId: group });
    const reply = await vi.waitFor(
      () => {
        const m = telegram.messagesIn(group).find((x) => x.fromBot && x.replyToMessageId === asked.message?.message_id && /Daily report/.test(x.current.renderedText));
        if (!m) throw new Error('no report yet');
        return m;
      },
      { timeout: 20_000, interval: 50 },
    );
    const text = reply.current.renderedText;
    expect(text).toContain(`Daily report ${today} (UTC)`);
    expect(text).toMatch(new RegExp(`recipients ${paid} paid, 0 failed`));
    expect(text).toMatch(/Success rate 100(\.00)?%/);
    expect(text).toContain(`Paid: 250.5 `);
    const chart = await vi.waitFor(
      () => {
        const d = telegram.documents.find((x) => x.filename === `tributary-${today}.png`);
        if (!d?.bytes) throw new Error('no chart yet');
        return d.bytes;
      },
      { timeout: 20_000, interval: 50 },
    );
    // A PNG: the signature, then an IHDR chunk with a sensible size.
    expect([...chart.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(chart.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(chart.readUInt32BE(16)).toBeGreaterThan(100);
    expect(chart.readUInt32BE(20)).toBeGreaterThan(100);
  }, 60_000);
});

describe('success-rate alert in the ops channels', () => {
  it('fires once on Discord and Telegram when payments fail on chain, and resolves after recovery', async () => {
    const discord = await startDiscordStandin({ channels: ['tributary-ops'] });
    cleanups.push(() => discord.close());
    const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
    cleanups.push(() => telegram.close());
    const opsChannel = discord.fixture.channelId('tributary-ops');
    const opsChat = String(telegram.fixture.group.id);
    const chat = await startChatApp({
      holders: 260,
      seed: 41,
      config: {
        discord: { token: DISCORD_TEST_TOKEN, apiBase: discord.apiBase },
        telegram: { token: telegram.token, apiRoot: telegram.apiRoot },
        channels: { alerts: { discord: opsChannel, telegram: opsChat } },
        // Rules are overridden by id in the config file; the parsed config holds them as a list.
        monitor: {
          evaluationIntervalMs: 250,
          alerts: { rules: { distribution_success_rate: { minSamples: 10 } } },
        } as never,
      },
    });
    cleanups.push(() => chat.close());
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-ops-')), sweepIntervalMs: 0 });
    const monitoring = await startMonitoring({ config: chat.app.config, store, engine: chat.harness.engine, logger: chat.app.logger, http: false });
    cleanups.push(async () => {
      await monitoring.monitor.stop();
      await store.close();
    });
    chat.app.monitoring = monitoring;
    const bot = await startDiscord(chat.app);
    cleanups.push(() => bot.stop());
    const tg = await startTelegram(chat.app, { botInfo: telegram.botInfo });
    cleanups.push(() => tg.stop());
    monitoring.addNotifier('discord', bot.notifier);
    monitoring.addNotifier('telegram', tg.notifier);

    const { net, engine } = chat.harness;
    const discordAlerts = () =>
      discord
        .channelMessages(opsChannel)
        .map((m) => m.current.content)
        .filter((t) => /distribution_success_rate/.test(t));
    const telegramAlerts = () =>
      telegram
        .messagesIn(Number(opsChat))
        .map((m) => m.current.renderedText)
        .filter((t) => /distribution_success_rate/.test(t));
    const fired = (texts: string[]) => texts.filter((t) => !/resolved/i.test(t));
    const resolved = (texts: string[]) => texts.filter((t) => /resolved/i.test(t));

    // A third of the largest 30 holders cannot receive (their token accounts are frozen): those
    // payments fail on chain whatever the order of requests, so the rate is well under 95%.
    const bad = await engine.service.preview({ token: net.scenario.baseMint, amount: '100', reward: net.scenario.rewardMint, max: 30 }, operator);
    const mint = new PublicKey(net.scenario.rewardMint);
    const frozenAccounts: string[] = [];
    for (const r of bad.plan.recipients.toArray().filter((_, i) => i % 3 === 0)) {
      const owner = new PublicKey(r.owner);
      const ata = getAssociatedTokenAddressSync(mint, owner, true);
      writeTokenAccount(net.chain, { address: ata, program: TOKEN_PROGRAM_ID, mint, owner, amount: 0n });
      const account = net.chain.getAccount(ata.toBase58())!;
      const frozen = Buffer.from(account.data);
      frozen[108] = 2;
      net.chain.setAccount({ address: ata.toBase58(), data: frozen, lamports: account.lamports, owner: TOKEN_PROGRAM_ID.toBase58() });
      frozenAccounts.push(ata.toBase58());
    }
    await engine.service.confirm(bad.plan.id, operator);
    await engine.service.whenIdle();
    const badStatus = await engine.service.status(bad.plan.id);
    expect(badStatus.progress.failed / badStatus.progress.recipients).toBeGreaterThan(0.05);

    await vi.waitFor(
      () => {
        expect(fired(discordAlerts())).toHaveLength(1);
        expect(fired(telegramAlerts())).toHaveLength(1);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(fired(discordAlerts())[0]).toMatch(/critical/i);

    // Recovery: the accounts are thawed and a large distribution succeeds.
    for (const address of frozenAccounts) {
      const account = net.chain.getAccount(address)!;
      const thawed = Buffer.from(account.data);
      thawed[108] = 1;
      net.chain.setAccount({ address, data: thawed, lamports: account.lamports, owner: TOKEN_PROGRAM_ID.toBase58() });
    }
    const good = await engine.service.preview({ token: net.scenario.baseMint, amount: '100', reward: net.scenario.rewardMint }, operator);
    await engine.service.confirm(good.plan.id, operator);
    await engine.service.whenIdle();
    await vi.waitFor(
      () => {
        expect(resolved(discordAlerts())).toHaveLength(1);
        expect(resolved(telegramAlerts())).toHaveLength(1);
      },
      { timeout: 15_000, interval: 100 },
    );
    // Still exactly one firing each: the alert was not repeated while it was active.
    await new Promise((r) => setTimeout(r, 600));
    expect(fired(discordAlerts())).toHaveLength(1);
    expect(fired(telegramAlerts())).toHaveLength(1);
  }, 90_000);
});
