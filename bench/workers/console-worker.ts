/**
 * The whole app as `npm start` runs it (src/app/start.ts: engine, SQLite store, monitoring, console
 * chat; the runner starts this process with the start script's node flags) against an external
 * chain, driven through the console adapter's own input and output streams. Measures the app idle,
 * `/help` and `/config show` replies, and `/rewards` replies while a distribution runs under the
 * public-mainnet budget. Reports over IPC.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startApp } from '../../src/app/start.js';
import { loadConfig } from '../../src/config/index.js';
import type { CompletedEvent } from '../../src/engine/events.js';
import type { RpcPresetName } from '../../src/config/index.js';
import { median, percentile } from '../lib/stats.js';

export interface ConsoleTask {
  rpcUrl: string;
  statsUrl: string;
  keypairPath: string;
  token: string;
  reward: string;
  preset: RpcPresetName;
  settleMs: number;
  /** Replies of /help and of /config show measured before the load. */
  replies: number;
  /** Between the end of one /rewards reply and the next query, while the distribution runs. */
  queryGapMs: number;
  /** Wait between preview and confirm, so the run starts on a full rate budget. */
  gapMs: number;
  /** Stop after the idle figures and the /help and /config show replies (no distribution). */
  idleOnly?: boolean;
}

export interface ConsoleResult {
  idleRssMb: number;
  idleHeapUsedMb: number;
  /** RssAnon and RssFile of /proc/self/status at the same moment (NaN where there is no /proc). */
  idleRssAnonMb: number;
  idleRssFileMb: number;
  startMs: number;
  helpMs: number[];
  configShowMs: number[];
  rewardsMs: number[];
  rewardsP95Ms: number;
  rewardsMedianMs: number;
  recipients: number;
  runMs: number;
  /** Requests the gateway held back by the budget while queries ran: proof the budget was saturated. */
  gatewayQueuedMsTotal: number;
  rateLimited: number;
}

const MB = 1024 * 1024;

/** Private (anonymous) and file-backed resident memory of this process, from /proc/self/status. */
function rssParts(): { anonMb: number; fileMb: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
  } catch {
    return { anonMb: Number.NaN, fileMb: Number.NaN };
  }
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[process.argv.length - 1] as string) as ConsoleTask;
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-console-'));
  const config = loadConfig({
    env: {},
    overrides: { rpc: { url: task.rpcUrl, preset: task.preset }, keypairPath: task.keypairPath, dataDir, http: { port: 0 } },
  });
  const input = new PassThrough();
  const output = new PassThrough();
  let transcript = '';
  output.on('data', (d: Buffer) => (transcript += d.toString()));

  const t0 = performance.now();
  const app = await startApp({ config, input, output });
  const startMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, task.settleMs));
  const idle = process.memoryUsage();
  const idleParts = rssParts();

  /** Writes one command line and resolves with the milliseconds until `done` matches the output after it. */
  const ask = (line: string, done: RegExp): Promise<number> =>
    new Promise((resolve, reject) => {
      const from = transcript.length;
      const started = performance.now();
      const timer = setTimeout(() => reject(new Error(`no reply to ${line} in 60 s:\n${transcript.slice(from)}`)), 60_000);
      const check = () => {
        if (!done.test(transcript.slice(from))) return;
        output.off('data', check);
        clearTimeout(timer);
        // Measured when the adapter wrote the reply; `data` runs in the same tick as the write.
        resolve(performance.now() - started);
      };
      output.on('data', check);
      input.write(`${line}\n`);
    });

  const helpMs: number[] = [];
  const configShowMs: number[] = [];
  await ask('/help', /^Options are name:value/m); // warm-up, not counted
  await ask('/config show', /^Saved config\.json/m);
  for (let i = 0; i < task.replies; i++) {
    helpMs.push(await ask('/help', /^Options are name:value/m));
    configShowMs.push(await ask('/config show', /^Saved config[-\d]*\.json/m));
  }

  if (task.idleOnly) {
    input.end();
    await app.finished;
    await app.stop();
    const partial: ConsoleResult = {
      idleRssMb: idle.rss / MB,
      idleHeapUsedMb: idle.heapUsed / MB,
      idleRssAnonMb: idleParts.anonMb,
      idleRssFileMb: idleParts.fileMb,
      startMs,
      helpMs,
      configShowMs,
      rewardsMs: [],
      rewardsP95Ms: Number.NaN,
      rewardsMedianMs: Number.NaN,
      recipients: 0,
      runMs: 0,
      gatewayQueuedMsTotal: 0,
      rateLimited: 0,
    };
    await new Promise<void>((resolve, reject) => (process.send ? process.send(partial, (e: Error | null) => (e ? reject(e) : resolve())) : resolve()));
    return;
  }

  const { service, events, gateway } = app.context.engine;
  const operator = { platform: 'bench', userId: 'bench', name: 'bench' };
  const preview = await service.preview({ token: task.token, amount: '1000000', reward: task.reward, includeOffCurve: true, refreshSnapshot: true }, operator);
  const { plan } = preview;
  if (task.gapMs > 0) await new Promise((r) => setTimeout(r, task.gapMs));
  let finished = false;
  const completed = new Promise<CompletedEvent>((resolve) => {
    const on = (e: CompletedEvent) => {
      if (e.distributionId !== plan.id) return;
      events.off('completed', on);
      finished = true;
      resolve(e);
    };
    events.on('completed', on);
  });
  let queuedMs = 0;
  const onCall = (e: { queuedMs: number }) => (queuedMs += e.queuedMs);
  gateway.events.on('call', onCall);
  const rateLimitedBefore = gateway.stats().rateLimited;
  const r0 = performance.now();
  await service.confirm(plan.id, operator);
  const rewardsMs: number[] = [];
  for (let i = 0; !finished; i++) {
    const wallet = plan.recipients.owner((i * 7919) % plan.recipients.length);
    const ms = await ask(`/rewards wallet:${wallet}`, new RegExp(`^${wallet}:`, 'm'));
    if (!finished) rewardsMs.push(ms);
    await new Promise((r) => setTimeout(r, task.queryGapMs));
  }
  await completed;
  const runMs = performance.now() - r0;
  gateway.events.off('call', onCall);

  const result: ConsoleResult = {
    idleRssMb: idle.rss / MB,
    idleHeapUsedMb: idle.heapUsed / MB,
    idleRssAnonMb: idleParts.anonMb,
    idleRssFileMb: idleParts.fileMb,
    startMs,
    helpMs,
    configShowMs,
    rewardsMs,
    rewardsP95Ms: percentile(rewardsMs, 95),
    rewardsMedianMs: median(rewardsMs),
    recipients: plan.recipients.length,
    runMs,
    gatewayQueuedMsTotal: queuedMs,
    rateLimited: gateway.stats().rateLimited - rateLimitedBefore,
  };
  input.end();
  await app.finished;
  await app.stop();
  await new Promise<void>((resolve, reject) => (process.send ? process.send(result, (e: Error | null) => (e ? reject(e) : resolve())) : resolve()));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`console-worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
