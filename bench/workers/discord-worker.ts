/**
 * How fast Discord hears back while a large preview is planned: the whole app as `npm start` runs
 * it (src/app/start.ts, with a Discord bot token) against an external chain, its discord.js adapter
 * connected to the Discord stand-in of the tests (test/standins/discord.ts), which runs in this
 * process. An operator's `/distribute preview` of a bulk-seeded token and a holder's `/help` are
 * dispatched at the same moment; the stand-in times each from dispatch to the interaction's first
 * callback (Discord drops an interaction not answered within 3 s). The stand-in shares this
 * process's event loop with the bot, so a blocked loop delays the callback's arrival as it would
 * delay the bot's answer. Reports over IPC.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { startApp } from '../../src/app/start.js';
import { loadConfig } from '../../src/config/index.js';
import { registerDiscordCommands } from '../../src/platforms/discord/register.js';
import { startDiscordStandin } from '../../test/standins/discord.js';
import type { PreviewScaleTask } from './preview-worker.js';

/** The chain, the token whose holders the preview plans, the reward and the amount: as the preview-scale worker's. */
export type DiscordTask = PreviewScaleTask;

export interface DiscordResult {
  /** Dispatch of `/distribute preview` -> its first callback reached the stand-in. */
  previewFirstCallbackMs: number;
  /** 4 reply, 5 defer. */
  previewAckType: number;
  /** Dispatch -> the preview's answer (the plan) was in the interaction's message. */
  previewAnsweredMs: number;
  /** The `/help` dispatched at the same moment: dispatch -> first callback. */
  helpFirstCallbackMs: number;
  eventLoopMaxMs: number;
  eventLoopP99Ms: number;
}

/** Shaped like a real bot token (the config checks the shape); the stand-in accepts any. */
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GstAnd.stand-in-token-for-bench-only-0';

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[process.argv.length - 1] as string) as DiscordTask;
  const discord = await startDiscordStandin({ channels: ['tributary-ops'] });
  const config = loadConfig({
    env: {},
    overrides: {
      rpc: { url: task.rpcUrl, preset: 'localnet' },
      keypairPath: task.keypairPath,
      dataDir: mkdtempSync(join(tmpdir(), 'tributary-bench-discord-')),
      http: { port: 0 },
      log: { level: 'warn' },
      discord: { token: TOKEN, apiBase: discord.apiBase },
      roles: { operator: { discordRoleIds: [discord.fixture.roleId('Tributary Operator')] } },
    },
  });
  await registerDiscordCommands(config, { guildId: discord.fixture.guild.id });
  const app = await startApp({ config, input: new PassThrough(), output: new PassThrough() });
  const ready = Date.now() + 60_000;
  while (discord.gatewaySessions() === 0) {
    if (Date.now() > ready) throw new Error('the bot did not connect to the Discord stand-in in 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Let the client finish its start (guild cache, command handlers) before the measured moment.
  await new Promise((r) => setTimeout(r, 2_000));

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const preview = discord.dispatchInteraction({
    name: 'distribute preview',
    options: { token: task.mint, amount: task.amount, reward: task.reward, offcurve: true },
    user: 'alice',
    channelId: discord.fixture.channelId('tributary-ops'),
  });
  const help = discord.dispatchInteraction({ name: 'help', user: 'bob' });
  const helpAck = await discord.waitForAck(help.id, 60_000);
  const previewAck = await discord.waitForAck(preview.id, 60_000);
  // The answer replaces the deferred reply (or is the reply): wait until the interaction's message says something.
  const until = Date.now() + 30 * 60_000;
  let answeredAt = 0;
  while (!answeredAt) {
    const m = [...discord.messages.values()].find((x) => x.interactionId === preview.id && x.current.content.length > 0);
    if (m) answeredAt = Date.now();
    else if (Date.now() > until) throw new Error('the preview was not answered in 30 minutes');
    else await new Promise((r) => setTimeout(r, 100));
  }
  loop.disable();
  const result: DiscordResult = {
    previewFirstCallbackMs: previewAck.responseMs ?? Number.NaN,
    previewAckType: previewAck.ackType ?? 0,
    previewAnsweredMs: answeredAt - preview.dispatchedAt,
    helpFirstCallbackMs: helpAck.responseMs ?? Number.NaN,
    eventLoopMaxMs: loop.max / 1e6,
    eventLoopP99Ms: loop.percentile(99) / 1e6,
  };
  await app.stop();
  await discord.close();
  await new Promise<void>((resolve, reject) => (process.send ? process.send(result, (e: Error | null) => (e ? reject(e) : resolve())) : resolve()));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`discord-worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
