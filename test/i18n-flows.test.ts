/**
 * A Japanese-speaking operator and holder, through the real clients: discord.js against the Discord
 * stand-in (the interaction's locale is "ja"), grammY against the Telegram stand-in (the user's
 * language_code is "ja") and the console (LANG=ja_JP.UTF-8). Every message they see is Japanese: a
 * run of English words in one is a text that bypassed the catalogue.
 */
import bs58 from 'bs58';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { PublicKey } from '@solana/web3.js';
import { Locale, PermissionFlagsBits } from 'discord.js';
import { nativeSigner } from '../src/solana/signer.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Keyv from 'keyv';
import { AlertManager } from '../src/monitor/alerts.js';
import { renderDayChart } from '../src/monitor/chart.js';
import { monitorConfigSchema, type AlertRule } from '../src/monitor/config.js';
import type { OpsNotifier } from '../src/monitor/notifier.js';
import { ReportScheduler } from '../src/monitor/report-scheduler.js';
import { runConsole } from '../src/platforms/console/run-console.js';
import { startTelegram } from '../src/platforms/telegram/start-telegram.js';
import { startChatApp, type ChatApp } from './helpers/chat-app.js';
import { appOnLocalnet, sqliteOf, startConsoleApp } from './helpers/app-config.js';
import { answerTo, customIds, discordWorld } from './helpers/discord-world.js';
import { progressEvent } from './helpers/events.js';
import { alertTimings, chartSettings, recordingHistory, schedulerSettings } from './helpers/monitor.js';
import { startTelegramStandin, type StoredTelegramMessage, type TelegramFixtureOptions, type TelegramStandin } from './standins/telegram.js';
import { loadConfig, type Config, type DeepPartial } from '../src/config/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/**
 * What a Japanese reader sees has Japanese in it and no English sentence. Left out before the check:
 * what is typed as it is in every language (commands, name:value options, links) and the one-line
 * message a wallet signs, which is signed byte for byte.
 */
function expectJapanese(text: string): void {
  expect(text, text).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  const typed = text
    .replace(/^Tributary wallet link \|.*$/gm, '')
    .replace(/https?:\/\/\S+/g, '')
    .replace(/\/[a-z]+(?: [a-z]+)?/g, '')
    .replace(/\b\w+:(?:"[^"]*"|<[^>]*>|\S*)/g, '');
  expect(typed, text).not.toMatch(/\b(?:[A-Za-z]{2,}[\s,]+){2,}[A-Za-z]{2,}\b/);
}

/** The real grammY bot against the Telegram stand-in: `config` (or a function of the group's id) over the chat app's. */
async function telegramWorld(config: DeepPartial<Config> | ((group: number) => DeepPartial<Config>), users?: TelegramFixtureOptions['users']) {
  const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}`, ...(users ? { users } : {}) });
  cleanups.push(() => telegram.close());
  const group = telegram.fixture.group.id;
  const extra = typeof config === 'function' ? config(group) : config;
  const chat = await startChatApp({ config: { ...extra, telegram: { token: telegram.token, apiRoot: telegram.apiRoot } } });
  cleanups.push(() => chat.close());
  const bot = await startTelegram(chat.app, { botInfo: telegram.botInfo });
  cleanups.push(() => bot.stop());
  return { telegram, chat, bot, group };
}

function signed(message: string, holder: ChatApp['holder']): string {
  return bs58.encode(nativeSigner(holder)(new TextEncoder().encode(message)));
}

describe('in Japanese on Discord', () => {
  it('an operator previews, confirms with the button, and sees the progress and the summary; a holder links a wallet and sees its rewards', async () => {
    const w = await discordWorld(cleanups);
    const { scenario } = w.chat.harness.net;
    const ops = w.discord.fixture.channelId('tributary-ops');
    const ask = (name: string, user: string, options: Record<string, string> = {}) =>
      answerTo(w.discord, w.discord.dispatchInteraction({ name, options, user, channelId: ops, locale: Locale.Japanese }).id);

    const preview = await ask('distribute preview', 'alice', { token: scenario.baseMint, amount: '1000', reward: scenario.rewardMint });
    const text = preview.current.content;
    const planId = /^\/distribute confirm id:(\w{8})$/m.exec(text)?.[1] as string;
    expect(text).toContain(`プラン ${planId}（localnet）: 確定するまで何も送信されません。`);
    expect(text).toMatch(/配分額: 最小 [\d.]+ \S+ · 中央値/);
    expect(text).toContain('リスク:');
    expectJapanese(text);
    const buttons = customIds(preview);
    expect(Object.keys(buttons)).toEqual(['確定', '中止']);

    const press = w.discord.dispatchInteraction({ customId: buttons['確定'] as string, user: 'alice', messageId: preview.id, locale: Locale.Japanese });
    const confirmed = (await answerTo(w.discord, press.id)).current.content;
    expect(confirmed).toContain(`配布 ${planId} を alice（discord）が確定しました。`);
    expectJapanese(confirmed);

    const progress = await vi.waitFor(
      () => {
        const m = w.discord.channelMessages(ops).find((x) => x.origin === 'channel' && x.current.content.includes(`配布 ${planId}`));
        if (!m?.current.content.includes('成功率')) throw new Error('no summary yet');
        return m;
      },
      { timeout: 30_000, interval: 50 },
    );
    for (const version of progress.history.map((v) => v.content)) expectJapanese(version);
    expect(progress.history[0]?.content).toMatch(new RegExp(`^配布 ${planId} · 実行中\\n\\[░+\\] 0%`));
    expect(progress.current.content).toMatch(/· 完了\n\[█{20}\] \d+ 人中 \d+ 人に支払済み · 失敗 0 人\n成功率 100%/);
    expect(progress.current.attachments.map((a) => a.filename)).toEqual([`tributary-${planId}.csv`]);
    await w.chat.harness.engine.service.whenIdle();

    const link = await ask('wallet link', 'bob');
    expectJapanese(link.current.content);
    const message = /^(Tributary wallet link \| .+)$/m.exec(link.current.content)?.[1] as string;
    const address = w.chat.holder.publicKey.toBase58();
    const wrong = await ask('wallet verify', 'bob', { address, signature: signed(`${message}x`, w.chat.holder) });
    expect(wrong.current.content).toContain('この署名は');
    expectJapanese(wrong.current.content);
    const verified = await ask('wallet verify', 'bob', { address, signature: signed(message, w.chat.holder) });
    expect(verified.current.content).toContain(`${address} をリンクしました。リンク済みのウォレットは 1 件です。`);
    const show = await ask('wallet show', 'bob');
    expect(show.current.content).toContain('リンク済みのウォレット（1 件）:');
    const rewards = (await ask('rewards', 'bob')).current.content;
    expect(rewards).toMatch(new RegExp(`${planId} · [\\d.]+ \\S+ · 支払済み · \\S+ · https://explorer\\.solana\\.com/tx/\\w+`));
    for (const reply of [verified, show]) expectJapanese(reply.current.content);
    expectJapanese(rewards);

    const help = (await ask('help', 'bob')).current.content;
    expect(help).toMatch(/^このチャットでのあなたの役割はホルダーです。実行できるコマンド:/);
    expectJapanese(help);
  });

  it('answers in English again once the person chooses it with /language, whatever their app reports', async () => {
    const w = await discordWorld(cleanups);
    const ask = (name: string, options: Record<string, string> = {}) =>
      answerTo(w.discord, w.discord.dispatchInteraction({ name, options, user: 'bob', locale: Locale.Japanese }).id);
    expect((await ask('wallet show')).current.content).toBe('リンクされたウォレットはありません。/wallet link で始められます。');
    expect((await ask('language', { set: 'en' })).current.content).toBe('From now on I answer you in English.');
    expect((await ask('wallet show')).current.content).toBe('No wallet is linked to you. /wallet link starts.');
    expect((await ask('language', { set: 'auto' })).current.content).toContain('アプリの言語設定（日本語）');
    expect((await ask('wallet show')).current.content).toContain('リンクされたウォレットはありません');
  });
});

describe('in Japanese on Telegram', () => {
  async function answer(t: TelegramStandin, chatId: number, text: string, from: string): Promise<StoredTelegramMessage> {
    const asked = t.sendText({ text, from, chatId }).message?.message_id;
    return vi.waitFor(
      () => {
        const m = t.messagesIn(chatId).find((x) => x.fromBot && x.replyToMessageId === asked);
        if (!m) throw new Error('no answer yet');
        return m;
      },
      { timeout: 20_000, interval: 20 },
    );
  }

  it('an operator previews, confirms with the inline button, and sees the progress and the summary; a holder links a wallet and sees its rewards', async () => {
    const { telegram, chat, group } = await telegramWorld({ roles: { operator: { telegramChatAdmins: true } } }, [
      { username: 'group_owner', status: 'creator' },
      { username: 'alice', status: 'administrator', languageCode: 'ja' },
      { username: 'bob', status: 'member', languageCode: 'ja' },
    ]);
    const { scenario } = chat.harness.net;
    const preview = await answer(telegram, group, `/distribute preview token:${scenario.baseMint} amount:1000 reward:${scenario.rewardMint}`, 'alice');
    const planId = /^\/distribute confirm id:(\w{8})$/m.exec(preview.current.text)?.[1] as string;
    expect(preview.current.text).toContain(`プラン ${planId}（localnet）`);
    expectJapanese(preview.current.text);
    const keys = Object.fromEntries((preview.current.replyMarkup?.inline_keyboard ?? []).flat().map((b) => [b.text, 'callback_data' in b ? b.callback_data : '']));
    expect(Object.keys(keys)).toEqual(['確定', '中止']);

    telegram.pressButton({ data: keys['確定'] as string, from: 'alice', messageId: preview.messageId });
    const confirmed = await vi.waitFor(
      () => {
        const m = telegram.messagesIn(group).find((x) => x.fromBot && x.current.text.includes(`配布 ${planId} を alice（telegram）が確定しました。`));
        if (!m) throw new Error('not yet');
        return m;
      },
      { timeout: 20_000, interval: 20 },
    );
    expectJapanese(confirmed.current.text);
    const progress = await vi.waitFor(
      () => {
        const m = telegram.messagesIn(group).find((x) => x.fromBot && x.history[0]?.text.startsWith(`配布 ${planId} · 実行中`));
        if (!m?.current.text.includes('成功率')) throw new Error('no summary yet');
        return m;
      },
      { timeout: 30_000, interval: 50 },
    );
    for (const version of progress.history.map((v) => v.text)) expectJapanese(version);
    expect(progress.current.text).toMatch(/· 完了\n\[█{20}\] \d+ 人中 \d+ 人に支払済み · 失敗 0 人\n成功率 100%/);
    await chat.harness.engine.service.whenIdle();

    const bob = telegram.fixture.user('bob');
    const link = await answer(telegram, bob.id, '/wallet link', 'bob');
    expectJapanese(link.current.text);
    const message = /^(Tributary wallet link \| .+)$/m.exec(link.current.text)?.[1] as string;
    const address = chat.holder.publicKey.toBase58();
    const verified = await answer(telegram, bob.id, `/wallet verify address:${address} signature:${signed(message, chat.holder)}`, 'bob');
    expect(verified.current.text).toContain('をリンクしました');
    const show = await answer(telegram, bob.id, '/wallet show', 'bob');
    expect(show.current.text).toContain('リンク済みのウォレット（1 件）:');
    const rewards = await answer(telegram, bob.id, '/rewards', 'bob');
    expect(rewards.current.text).toMatch(/ · 支払済み · /);
    for (const reply of [verified, show, rewards]) expectJapanese(reply.current.text);

    // A personal answer asked for in the group goes to the private chat; the group is told so in Japanese.
    const inGroup = await answer(telegram, group, '/wallet show', 'bob');
    expect(inGroup.current.text).toBe('/wallet show の回答はあなた専用のため、個別チャットでお送りしました。');
  });
});

describe('in Japanese on the console', () => {
  it('an operator previews, confirms and sees the progress and the summary; a holder links a wallet and sees its rewards (LANG=ja_JP.UTF-8)', async () => {
    const c = await startChatApp();
    cleanups.push(() => c.close());
    const { scenario } = c.harness.net;
    const run = async (_lines: string, identity: Parameters<typeof runConsole>[1]['identity']) => {
      const input = new PassThrough();
      const output = new PassThrough();
      let printed = '';
      output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
      const done = runConsole(c.app, { input, output, identity: { language: 'ja_JP.UTF-8', ...identity } });
      return { input, printed: () => printed, done };
    };

    const ops = await run('', { userId: 'ops' });
    ops.input.end(`/distribute preview token:${scenario.baseMint} amount:50 reward:SOL mode:equal\n/distribute confirm id:last\n`);
    await ops.done;
    const printed = ops.printed();
    const planId = /プラン (\w{8})（localnet）/.exec(printed)?.[1] as string;
    expect(printed).toContain(`配布 ${planId} を ops（console）が確定しました。`);
    expect(printed).toMatch(new RegExp(`配布 ${planId} · 完了\\n\\[█{20}\\] \\d+ 人中 \\d+ 人に支払済み · 失敗 0 人\\n成功率 100%`));
    for (const block of printed.split(/^> .*$/m)) if (block.trim()) expectJapanese(block);

    const holder = await run('', { userId: 'holder-1', role: 'holder' });
    holder.input.write('/wallet link\n');
    const message = await vi.waitFor(
      () => {
        const found = /^(Tributary wallet link \| .+)$/m.exec(holder.printed())?.[1];
        if (!found) throw new Error('no message yet');
        return found;
      },
      { timeout: 20_000, interval: 20 },
    );
    holder.input.end(`/wallet verify address:${c.holder.publicKey.toBase58()} signature:${signed(message, c.holder)}\n/wallet show\n/rewards\n`);
    await holder.done;
    const said = holder.printed();
    expect(said).toContain(`${c.holder.publicKey.toBase58()} をリンクしました`);
    expect(said).toMatch(/\w{8} · [\d.]+ SOL · 支払済み · /);
    for (const block of said.split(/^> .*$/m)) if (block.trim()) expectJapanese(block);
  });
});

describe('alerts and the daily report in a channel configured ja', () => {
  const T0 = Date.parse('2025-09-18T03:00:00Z');
  const TZ = 'Asia/Tokyo';

  /** An RPC error-rate alert that fires, then resolves, and the day's report, posted through `notifier`. */
  async function alertAndReport(notifier: OpsNotifier): Promise<void> {
    const clock = { t: T0 };
    const now = () => clock.t;
    const { history, engine, rpc } = await recordingHistory(new Keyv(), now);
    const rule = monitorConfigSchema.parse(undefined).alerts.rules.find((r) => r.id === 'rpc_error_rate') as AlertRule;
    const alerts = new AlertManager({ rules: [rule], history, store: new Keyv(), notifier, ...alertTimings, now });
    const calls = (n: number, failing: number) => {
      for (let i = 0; i < n; i++)
        rpc.emit('call', { method: 'getAccountInfo', endpoint: 'primary', lane: 'read', queuedMs: 1, durationMs: 50, ok: i >= failing, rateLimited: 0, attempts: 1, at: now() });
    };
    engine.emit('progress', progressEvent({ distributionId: 'd1', recipients: 10, paid: 9, failed: 1, paidAmount: '9000000000000', state: 'running', at: now() }));
    calls(100, 20);
    await alerts.evaluate();
    clock.t += 65 * 60_000;
    calls(300, 0);
    await alerts.evaluate();
    const reports = new ReportScheduler({
      history,
      store: new Keyv(),
      notifier,
      time: '09:00',
      timeZone: TZ,
      targets: ['reports'],
      ...schedulerSettings,
      renderChart: (r, say) => renderDayChart(r, say, chartSettings),
      now,
    });
    await reports.post('2025-09-18');
  }

  it('posts them in Japanese on Discord, with the chart attached', async () => {
    const w = await discordWorld(cleanups);
    const general = w.discord.fixture.channelId('general');
    w.chat.app.config.channels.alerts = { ...w.chat.app.config.channels.alerts, discord: general, language: 'ja' };
    w.chat.app.config.channels.reports = { ...w.chat.app.config.channels.reports, discord: general, language: 'ja' };
    await alertAndReport(w.bot.notifier);
    const posted = w.discord.channelMessages(general).map((m) => m.current);
    expect(posted).toHaveLength(3);
    const [fired, resolved, report] = posted as [(typeof posted)[number], (typeof posted)[number], (typeof posted)[number]];
    expect(fired.content).toMatch(/^🔴 重大度「高」のアラート \[[0-9a-f]{6}\] rpc_error_rate\nrpc_error_rate 20\.0% > 5\.0%（avg、5 分）\n呼び出し 100 件中 20 件\n/);
    expect(fired.content).toMatch(/確認済みにするには: \/alerts ack id:[0-9a-f]{6}$/);
    expect(resolved.content).toMatch(/^✅ 解消しました \[[0-9a-f]{6}\] rpc_error_rate（発生から 1 時間 5 分）: 現在 /);
    expect(report.content).toMatch(/^📊 日次レポート 2025-09-18（Asia\/Tokyo）\n/);
    expect(report.content).toContain('RPC: リクエスト 400 件、エラー 20 件（5.00%）');
    expect(report.attachments.map((a) => a.filename)).toEqual(['tributary-2025-09-18.png']);
    for (const m of posted) expectJapanese(m.content);
  });

  it('posts them in Japanese on Telegram, while English channels stay English', async () => {
    const { telegram, bot, group } = await telegramWorld((g) => ({ channels: { alerts: { telegram: String(g), language: 'ja' }, reports: { telegram: String(g) } } }));
    await alertAndReport(bot.notifier);
    const texts = telegram
      .messagesIn(group)
      .filter((m) => m.fromBot && !m.document)
      .map((m) => m.current.text);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/^🔴 重大度「高」のアラート/);
    expect(texts[1]).toMatch(/^✅ 解消しました/);
    for (const text of texts.slice(0, 2)) expectJapanese(text);
    // The reports channel has no language of its own, and the configured default is English.
    expect(texts[2]).toMatch(/^📊 Daily report 2025-09-18 \(Asia\/Tokyo\)\n/);
  });
});

describe('alerts and the daily report on the console, LANG=ja_JP.UTF-8', () => {
  it('prints the banner, an alert and the daily report in Japanese', async () => {
    vi.stubEnv('LANG', 'ja_JP.UTF-8');
    try {
      const { config, net } = await appOnLocalnet(
        { holders: 6, seed: 11 },
        cleanups,
        (): DeepPartial<Config> => ({
          // Any RPC call makes the p95 latency rule fire: the app's own start-up reads are enough.
          // Rules are overridden by id (src/monitor/config.ts); the output type holds them as a list.
          monitor: { evaluationIntervalMs: 250, alerts: { rules: { rpc_latency_p95: { threshold: 0, minSamples: 1 } } } } as unknown as DeepPartial<Config>['monitor'],
        }),
      );
      const c = await startConsoleApp(config, cleanups);
      await c.waitFor(/^Tributary: チャットから行う Solana の報酬配布$/m);
      c.type('/health');
      const alert = await c.waitFor(/^\[alerts\] (🟠 重大度「中」のアラート \[[0-9a-f]{6}\] rpc_latency_p95\n[\s\S]*?確認済みにするには: \/alerts ack id:[0-9a-f]{6})$/m);
      expectJapanese(alert[1] as string);
      const from = c.printed().length;
      const monitoring = c.app.context.monitoring;
      if (!monitoring) throw new Error('monitoring is off');
      await monitoring.monitor.reports.post(monitoring.monitor.reports.today(), ['reports']);
      const report = await c.waitFor(/^\[reports\] (📊 日次レポート [^\n]*\n[\s\S]*?推奨事項[^\n]*)\n(\S+tributary-\S+\.png)$/m, from);
      expectJapanese(report[1] as string);
      expect(report[1]).toContain('RPC: リクエスト');
      // The chart, with its Japanese labels, is saved beside the exports.
      expect(report[2]).toMatch(/\.png$/);

      // A schedule, made and run now: its replies and its post in Japanese, the cadence and times the Japanese way.
      const before = c.printed().length;
      c.type(`/schedule create token:${net.scenario.baseMint} amount:50 reward:SOL mode:equal every:weekly on:fri at:09:00 tz:Asia/Tokyo approval:auto`);
      const created = await c.waitFor(/^(スケジュール (\w+) を作成しました: [\s\S]*?で停止できます。)$/m, before);
      expect(created[1]).toContain('毎週金曜日 09:00（Asia/Tokyo）');
      expect(created[1]).toMatch(/初回: \d{4}-\d{2}-\d{2}（金）09:00 /);
      expectJapanese(created[1] as string);
      c.type(`/schedule run id:${created[2]}`);
      const ran = await c.waitFor(/^(⏱ スケジュール \w+（[^\n]*）: 今すぐの実行（\/schedule run）は上限の範囲内で自動的に確定しました。[^\n]*)$/m, before);
      expectJapanese(ran[1] as string);
      await c.waitFor(/^成功率 100% /m, before);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 120_000);
});

describe('refusals, chain errors, a full store and the RPC verdict in Japanese', () => {
  it('on Discord: a preview whose simulation fails and the confirm it blocks, a channel the bot may not post in, and commands refused by role', async () => {
    const w = await discordWorld(cleanups);
    const { scenario, chain } = w.chat.harness.net;
    const ops = w.discord.fixture.channelId('tributary-ops');
    const ask = (name: string, user: string, options: Record<string, string> = {}) =>
      answerTo(w.discord, w.discord.dispatchInteraction({ name, options, user, channelId: ops, locale: Locale.Japanese }).id);
    const press = (customId: string, messageId: string) => answerTo(w.discord, w.discord.dispatchInteraction({ customId, user: 'alice', messageId, locale: Locale.Japanese }).id);
    const request = { token: scenario.baseMint, amount: '5', reward: scenario.rewardMint };

    // A holder, and an operator by server role in a DM, are refused in their language.
    const holder = (await ask('distribute preview', 'bob', request)).current.content;
    expect(holder).toContain('/distribute preview はオペレーター向けのコマンドですが');
    expectJapanese(holder);
    const inDm = (await answerTo(w.discord, w.discord.dispatchInteraction({ name: 'health', user: 'alice', guildId: null, locale: Locale.Japanese }).id)).current.content;
    expect(inDm).toMatch(/^✖ \/health は/);
    expectJapanese(inDm);

    const fine = await ask('distribute preview', 'alice', request);
    // Someone else's program owns the address the first recipient's token account would have: the simulation fails.
    const planId = /^\/distribute confirm id:(\w{8})$/m.exec(fine.current.content)?.[1] as string;
    const first = (await w.chat.harness.engine.ledger.getPlan(planId))?.recipients.get(0);
    if (!first) throw new Error('the plan has no recipient');
    const ata = getAssociatedTokenAddressSync(new PublicKey(scenario.rewardMint), new PublicKey(first.owner), true);
    chain.setAccount({ address: ata.toBase58(), data: new Uint8Array(10), lamports: 1_000_000n, owner: PublicKey.unique().toBase58() });
    const failing = await ask('distribute preview', 'alice', { ...request, refresh: 'true' });
    const text = failing.current.content;
    // The chain's own answer stays, on its own line marked as technical detail.
    expect(text).toMatch(/^シミュレーション: 失敗: \d+ 番目の命令が失敗します: 使用するアカウントが別のプログラムの所有です$/m);
    expect(text).toMatch(/^ {2}チェーンの応答（技術的な詳細）: \{".+\}$/m);
    expect(text).toContain('⚠ 最初のトランザクションがシミュレーションで失敗します: ');
    expectJapanese(text);
    const blocked = (await press(customIds(failing)['確定'] as string, failing.id)).current.content;
    expect(blocked).toContain('最初のトランザクションがシミュレーションで失敗します: ');
    expectJapanese(blocked);

    // The bot may not post in the progress channel: the confirm of the plan made before names the missing permissions in Japanese.
    w.discord.denyBot(ops, PermissionFlagsBits.SendMessages | PermissionFlagsBits.AttachFiles);
    const noPost = (await press(customIds(fine)['確定'] as string, fine.id)).current.content;
    expect(noPost).toContain('メッセージを送信、ファイルを添付');
    expectJapanese(noPost);
    expect(w.chat.sent()).toBe(0);
  });

  it('on the console: a full store, then the verdict on an RPC endpoint that does not answer, and an open keypair file (LANG=ja_JP.UTF-8)', async () => {
    vi.stubEnv('LANG', 'ja_JP.UTF-8');
    try {
      const { config, net } = await appOnLocalnet({ holders: 40, seed: 12 }, cleanups);
      const c = await startConsoleApp(config, cleanups);
      await c.waitFor(/^Tributary: チャットから行う Solana の報酬配布$/m);
      const sqlite = sqliteOf(c.app.context.store);
      const [{ page_count: pages }] = (await sqlite.query('PRAGMA page_count')) as [{ page_count: number }];
      await sqlite.query(`PRAGMA max_page_count = ${pages}`);
      const from = c.printed().length;
      c.type(`/distribute preview token:${net.scenario.baseMint} amount:10 reward:SOL`);
      const full = await c.waitFor(/^(✖ ストアに書き込めません: .*)$/m, from);
      expect(full[1]).toContain('データディレクトリのディスクがいっぱいです（SQLITE_FULL）');
      expectJapanese(full[1] as string);
      await sqlite.query('PRAGMA max_page_count = 1073741823');

      // Another app, on a closed port, with a keypair file others can read.
      const keypairPath = join(config.dataDir, 'open-keypair.json');
      writeFileSync(keypairPath, readFileSync(net.scenario.keypairPath));
      chmodSync(keypairPath, 0o644);
      const down = loadConfig({
        env: {},
        overrides: {
          rpc: { url: 'http://127.0.0.1:1', timeoutMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 } },
          keypairPath,
          dataDir: join(config.dataDir, 'down'),
          http: { port: 0 },
          log: { level: 'silent' },
        },
      });
      const d = await startConsoleApp(down, cleanups);
      const warned = await d.waitFor(/^ {2}⚠ キーペア {3}(.*)$/m);
      expect(warned[1]).toContain(`キーペアファイル ${keypairPath} を他のユーザーが読み取れます（モード 0644）`);
      expectJapanese(warned[1] as string);
      d.type(`/distribute preview token:${net.scenario.baseMint} amount:1 reward:SOL`);
      const refused = await d.waitFor(/^(✖ RPC エンドポイントが応答しません.*)$/m);
      expect(refused[1]).toMatch(/^✖ RPC エンドポイントが応答しません（ネットワークエラー）。何も実行していません。/);
      expectJapanese(refused[1] as string);
      d.type('/health');
      const health = await d.waitFor(/^(RPC: .*)$/m);
      expect(health[1]).toMatch(/^RPC: \d+ ms 待って応答がありません（ネットワークエラー）/);
      expectJapanese(health[1] as string);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 180_000);
});
