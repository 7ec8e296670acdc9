/**
 * After a restart, a distribution the new process resumes shows its progress, summary and CSV in
 * the chat it was started from. The first process is a real `tributary start`
 * killed with SIGKILL mid-run (its transactions are being dropped by the chain, so the run cannot
 * end by itself); the second, on the same data directory, resumes the run and edits the same
 * Discord message (real discord.js against the stand-in) and the same Telegram message (real
 * grammY) to the summary with the CSV; on the console it prints the summary and saves the CSV.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApp, type RunningApp } from '../src/app/start.js';
import type { Config, DeepPartial } from '../src/config/index.js';
import { ledgerOf } from '../src/engine/ledger.js';
import { ProgressPlaces } from '../src/chat/progress-places.js';
import type { Localnet } from '../src/localnet/index.js';
import { registerDiscordCommands } from '../src/platforms/discord/register.js';
import { openStore } from '../src/store/index.js';
import { appOnLocalnet } from './helpers/app-config.js';
import { answerTo, customIds, DISCORD_TEST_TOKEN } from './helpers/discord-world.js';
import { startDiscordStandin } from './standins/discord.js';
import { startTelegramStandin } from './standins/telegram.js';

const CLI = join(import.meta.dirname, '../src/cli/main.ts');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** What both processes share besides the chain: a lease that lapses fast, quick progress edits. */
// Logged at info, to the data directory's file, so that a wait that runs out can show what the app did.
const SHARED = { distribution: { leaseTtlMs: 1_000, progressEditIntervalMs: 150 }, log: { level: 'info' } } as const;

/** `tributary start` as its own process on `config`'s data directory; stdout collected. */
function startChild(net: Localnet, config: Config, file: DeepPartial<Config>, env: Record<string, string> = {}) {
  const configPath = join(config.dataDir, '..', `child-${Date.now()}.json`);
  writeFileSync(configPath, JSON.stringify(file));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TRIBUTARY_CONFIG: configPath,
      TRIBUTARY_DATA_DIR: config.dataDir,
      SOLANA_RPC_URL: net.rpcUrl,
      TRIBUTARY_KEYPAIR: net.scenario.keypairPath,
      TRIBUTARY_HTTP_PORT: '0',
      DISCORD_TOKEN: '',
      TELEGRAM_TOKEN: '',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    output: () => out,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The last lines of the app's log: what the resumed run was doing when a wait ran out. */
function logTail(config: Config, lines = 40): string {
  const file = join(config.dataDir, 'tributary.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

async function start(config: Config, input?: PassThrough, output?: PassThrough): Promise<RunningApp> {
  const app = await startApp({ config, ...(input ? { input } : {}), ...(output ? { output } : {}) });
  cleanups.push(() => app.stop());
  return app;
}

async function states(config: Config, ids: string[]): Promise<(string | undefined)[]> {
  const store = await openStore({ dataDir: config.dataDir, sweepIntervalMs: 0 });
  try {
    return await Promise.all(ids.map(async (id) => (await ledgerOf(store).getDistribution(id))?.state));
  } finally {
    await store.close();
  }
}

/** The message id each platform's progress place holds for a distribution, as the running process stored it. */
async function storedMessageIds(config: Config, wanted: [platform: string, distributionId: string][]): Promise<(string | undefined)[]> {
  const store = await openStore({ dataDir: config.dataDir, sweepIntervalMs: 0 });
  try {
    const places = new ProgressPlaces(store.ns('chat-progress'));
    return await Promise.all(wanted.map(async ([platform, id]) => (await places.open(platform, id))[0]?.place.messageId));
  } finally {
    await store.close();
  }
}

describe('a distribution resumed after a restart', () => {
  it('edits the same progress message on Discord and Telegram to its summary, with the CSV', async () => {
    const discord = await startDiscordStandin({ channels: ['tributary-ops'] });
    cleanups.push(() => discord.close());
    const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
    cleanups.push(() => telegram.close());
    const alice = telegram.fixture.user('alice');
    const roles = { operator: { discordRoleIds: [discord.fixture.roleId('Tributary Operator')], telegramUserIds: [String(alice.id)] } };
    const bots = { discord: { token: DISCORD_TEST_TOKEN, apiBase: discord.apiBase }, telegram: { token: telegram.token, apiRoot: telegram.apiRoot } };
    const { net, config } = await appOnLocalnet({ holders: 30, seed: 31, slotMs: 50 }, cleanups, () => ({ ...SHARED, roles, ...bots }));
    await registerDiscordCommands(config, { guildId: discord.fixture.guild.id });
    const ops = discord.fixture.channelId('tributary-ops');
    const group = telegram.fixture.group.id;
    const { baseMint, rewardMint } = net.scenario;

    const first = startChild(
      net,
      config,
      { ...SHARED, roles },
      { DISCORD_TOKEN: DISCORD_TEST_TOKEN, DISCORD_API_BASE: discord.apiBase, TELEGRAM_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot },
    );
    await vi.waitFor(() => expect(discord.gatewaySessions() > 0 && telegram.isPolling()).toBe(true), { timeout: 60_000, interval: 100 });
    // From here on no transaction lands: the run goes on until the process is killed.
    net.server.faults.rates = { dropTransaction: 1 };

    telegram.sendText({ text: `/distribute preview token:${baseMint} amount:500 reward:${rewardMint}`, from: 'alice' });
    const telegramPlan = await vi.waitFor(
      () => {
        const id = telegram
          .messagesIn(group)
          .map((m) => /^\/distribute confirm id:(\w{8})$/m.exec(m.current.text)?.[1])
          .find(Boolean);
        if (!id) throw new Error(`no preview yet\n${first.output()}`);
        return id;
      },
      { timeout: 30_000, interval: 50 },
    );
    telegram.sendText({ text: `/distribute confirm id:${telegramPlan}`, from: 'alice' });
    const asked = discord.dispatchInteraction({ name: 'distribute preview', options: { token: baseMint, amount: '1000', reward: rewardMint }, user: 'alice', channelId: ops });
    const preview = await answerTo(discord, asked.id);
    const discordPlan = /^\/distribute confirm id:(\w{8})$/m.exec(preview.current.content)?.[1] as string;
    discord.dispatchInteraction({ customId: customIds(preview)['Confirm'] as string, user: 'alice', messageId: preview.id });

    const discordMessage = await vi.waitFor(
      () => {
        const m = discord.channelMessages(ops).find((x) => x.origin === 'channel' && x.current.content.startsWith(`Distribution ${discordPlan} · running`));
        if (!m) throw new Error('no progress message yet');
        return m;
      },
      { timeout: 30_000, interval: 25 },
    );
    const telegramMessage = await vi.waitFor(
      () => {
        const m = telegram.messagesIn(group).find((x) => x.fromBot && x.current.text.startsWith(`Distribution ${telegramPlan} · running`));
        if (!m) throw new Error('no progress message yet');
        return m;
      },
      { timeout: 30_000, interval: 25 },
    );
    // Killed once it has stored where both messages are. A process killed between posting a message
    // and storing its id leaves that message behind: its successor posts a new one (the store has
    // no id to edit), which this test does not cover.
    await vi.waitFor(
      async () => {
        const stored = await storedMessageIds(config, [
          ['discord', discordPlan],
          ['telegram', telegramPlan],
        ]);
        if (stored.some((id) => id === undefined)) throw new Error(`message ids not stored yet: ${JSON.stringify(stored)}`);
      },
      { timeout: 30_000, interval: 50 },
    );
    await first.kill();
    expect(await states(config, [discordPlan, telegramPlan])).toEqual(['running', 'running']);
    const postsBefore = discord.channelMessages(ops).filter((m) => m.origin === 'channel').length;
    net.server.faults.rates = {};

    // A new process on the same data directory resumes both (once the dead one's leases lapse).
    const second = await start(config);
    const discordSummary = await vi.waitFor(
      () => {
        const m = discord.messages.get(discordMessage.id);
        if (!m?.current.content.includes('Success rate')) throw new Error(`no summary yet\n${m?.current.content}\n${logTail(config)}`);
        return m;
      },
      { timeout: 200_000, interval: 100 },
    );
    expect(discordSummary.current.content).toMatch(new RegExp(`^Distribution ${discordPlan} · completed\\n\\[█{20}\\] \\d+/\\d+ paid · 0 failed\\nSuccess rate 100%`));
    expect(discordSummary.current.attachments.map((a) => a.filename)).toEqual([`tributary-${discordPlan}.csv`]);
    // The same message was edited: no second progress message.
    expect(discord.channelMessages(ops).filter((m) => m.origin === 'channel')).toHaveLength(postsBefore);

    await vi.waitFor(
      () => {
        const m = telegram.messagesIn(group).find((x) => x.messageId === telegramMessage.messageId);
        if (!m?.current.text.includes('Success rate')) throw new Error(`no summary yet\n${m?.current.text}\n${logTail(config)}`);
        expect(m.current.text).toMatch(new RegExp(`^Distribution ${telegramPlan} · completed\\n.*\\nSuccess rate 100%`));
      },
      { timeout: 200_000, interval: 100 },
    );
    const csv = await vi.waitFor(
      () => {
        const d = telegram.documents.find((x) => x.filename === `tributary-${telegramPlan}.csv`);
        if (!d) throw new Error('no CSV yet');
        return d;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(csv.chatId).toBe(group);
    expect(telegram.messagesIn(group).filter((m) => m.fromBot && m.current.text.includes(`Distribution ${telegramPlan} ·`))).toHaveLength(1);
    expect(await states(config, [discordPlan, telegramPlan])).toEqual(['completed', 'completed']);
    void second;
  }, 420_000);

  it("prints the resumed distribution's progress and summary on the console and saves its CSV", async () => {
    const { net, config } = await appOnLocalnet({ holders: 30, seed: 32, slotMs: 50 }, cleanups, () => SHARED);
    const { baseMint, rewardMint } = net.scenario;
    const first = startChild(net, config, SHARED);
    net.server.faults.rates = { dropTransaction: 1 };
    first.child.stdin?.write(`/distribute preview token:${baseMint} amount:1000 reward:${rewardMint}\n/distribute confirm id:last\n`);
    const planId = await vi.waitFor(
      () => {
        const id = /Distribution (\w{8}) · running/.exec(first.output())?.[1];
        if (!id) throw new Error(`not running yet:\n${first.output()}`);
        return id;
      },
      { timeout: 60_000, interval: 50 },
    );
    await first.kill();
    net.server.faults.rates = {};
    // The dead process's runner lease lapses after leaseTtlMs; then a new one resumes at start.
    await new Promise((r) => setTimeout(r, 1_500));

    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const second = await start(config, input, output);
    expect(printed).toMatch(new RegExp(`resumed +${planId}`));
    input.end();
    await second.finished;
    expect(printed).toMatch(new RegExp(`Distribution ${planId} · completed\\n\\[█{20}\\] \\d+/\\d+ paid · 0 failed\\nSuccess rate 100%`));
    const csvPath = new RegExp(`Saved tributary-${planId}\\.csv: (.+)`).exec(printed)?.[1];
    expect(csvPath && existsSync(csvPath)).toBe(true);
    expect(
      readFileSync(csvPath as string, 'utf8')
        .trim()
        .split('\n').length,
    ).toBeGreaterThan(20);
  }, 420_000);
});
