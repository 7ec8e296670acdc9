/**
 * Telegram or Discord unreachable at start: `tributary start` says within
 * seconds which platform it cannot reach, keeps trying with backoff, answers /healthz 503 for that
 * platform meanwhile, and connects when the platform answers; a token of the wrong shape is refused
 * before anything starts. The platforms are the stand-ins behind a port that refuses connections
 * until the test opens it (the real discord.js and grammY in the child process).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appOnLocalnet } from './helpers/app-config.js';
import { DISCORD_TEST_TOKEN } from './helpers/discord-world.js';
import { startDiscordStandin } from './standins/discord.js';
import { startTelegramStandin } from './standins/telegram.js';

const CLI = join(import.meta.dirname, '../src/cli/main.ts');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** From now on `port` forwards to `targetPort` (until then nothing listens there: ECONNREFUSED). */
async function openForwarder(port: number, targetPort: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const done = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', done).on('close', done);
    outbound.on('error', done).on('close', done);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return server;
}

async function healthz(port: number): Promise<{ status: number; body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as never };
}

/** The log lines (JSON) a child wrote so far. */
function logLines(out: string): { level: number; msg: string; time: number }[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; time: number });
}

describe('start while a chat platform is unreachable', () => {
  it('names the platform within seconds, answers /healthz 503 for it, retries with backoff, and connects when it answers', async () => {
    const discord = await startDiscordStandin();
    cleanups.push(() => discord.close());
    const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
    cleanups.push(() => telegram.close());
    const [discordPort, telegramPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const { net, config } = await appOnLocalnet({ holders: 5, seed: 3, slotMs: 50 }, cleanups);
    const configPath = join(config.dataDir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ roles: { console: 'admin' } }));

    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        TRIBUTARY_CONFIG: configPath,
        TRIBUTARY_DATA_DIR: config.dataDir,
        SOLANA_RPC_URL: net.rpcUrl,
        TRIBUTARY_KEYPAIR: net.scenario.keypairPath,
        TRIBUTARY_HTTP_PORT: String(httpPort),
        DISCORD_TOKEN: DISCORD_TEST_TOKEN,
        DISCORD_API_BASE: `http://127.0.0.1:${discordPort}/api`,
        TELEGRAM_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: `http://127.0.0.1:${telegramPort}`,
        LOG_LEVEL: 'info',
      },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });

    // Both platforms named, with the endpoint and the reason, and tried again with a longer wait.
    const lines = await vi.waitFor(
      () => {
        const found = logLines(out);
        const messages = found.map((l) => l.msg);
        for (const [platform, port] of [
          ['Discord', discordPort],
          ['Telegram', telegramPort],
        ] as const) {
          for (const wait of ['1 s', '2 s']) {
            if (!messages.some((m) => m.startsWith(`${platform}: cannot reach http://127.0.0.1:${port}`) && m.includes('ECONNREFUSED') && m.endsWith(`retrying in ${wait}`))) {
              throw new Error(`no "${platform} ... retrying in ${wait}" yet:\n${out}`);
            }
          }
        }
        return found;
      },
      { timeout: 60_000, interval: 100 },
    );
    // The first failure of each is logged at error level within seconds of the process starting to log.
    const firstLog = lines[0]?.time ?? started;
    for (const platform of ['Discord', 'Telegram']) {
      const first = lines.find((l) => l.msg.startsWith(`${platform}: cannot reach`));
      expect(first?.level).toBe(50);
      expect((first?.time ?? Infinity) - firstLog).toBeLessThan(5_000);
    }

    const down = await vi.waitFor(() => healthz(httpPort), { timeout: 10_000, interval: 100 });
    expect(down.status).toBe(503);
    expect(down.body.checks['discord']).toEqual({
      ok: false,
      detail: expect.stringMatching(new RegExp(`^cannot reach Discord at http://127\\.0\\.0\\.1:${discordPort}/api: .*ECONNREFUSED`)),
    });
    expect(down.body.checks['telegram']).toEqual({
      ok: false,
      detail: expect.stringMatching(new RegExp(`^cannot reach Telegram at http://127\\.0\\.0\\.1:${telegramPort}: .*ECONNREFUSED`)),
    });
    // The Bot API puts the token in every request URL: neither /healthz nor the log shows it.
    expect(JSON.stringify(down.body)).not.toContain(telegram.token.split(':')[1]);
    expect(out).not.toContain(telegram.token.split(':')[1]);
    expect(down.body.checks['rpc']?.ok).toBe(true);
    expect(down.body.checks['store']?.ok).toBe(true);

    // The platforms come up: the retries find them, and /healthz turns 200.
    await openForwarder(discordPort, Number(new URL(discord.apiBase).port));
    await openForwarder(telegramPort, Number(new URL(telegram.apiRoot).port));
    await vi.waitFor(
      async () => {
        const up = await healthz(httpPort);
        expect(up.status, JSON.stringify(up.body)).toBe(200);
      },
      { timeout: 40_000, interval: 200 },
    );
    expect(discord.gatewaySessions()).toBe(1);
    expect(telegram.isPolling()).toBe(true);
    expect(logLines(out).map((l) => l.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Discord: connected to http:\/\/127\.0\.0\.1:\d+\/api after \d+ failed attempt/)]),
    );
  }, 120_000);

  it('refuses a Discord token with spaces or a "Bot " prefix before starting, without printing it', () => {
    for (const token of ['MTAwMDAwMDAwMDAwMDAwMDAx.GstAnd.stand in token for tests only', `Bot ${DISCORD_TEST_TOKEN}`]) {
      const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'start'], {
        encoding: 'utf8',
        env: { ...process.env, DISCORD_TOKEN: token, TELEGRAM_TOKEN: '', SOLANA_RPC_URL: '', TRIBUTARY_CONFIG: '', TRIBUTARY_HTTP_PORT: '0' },
        timeout: 60_000,
      });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain('discord.token');
      expect(res.stderr).toContain('without spaces or a "Bot " prefix');
      expect(res.stderr + res.stdout).not.toContain('stand in token');
      expect(res.stderr + res.stdout).not.toContain(DISCORD_TEST_TOKEN);
    }
  }, 120_000);
});
