/**
 * The whole app as `npm start` wires it (src/app/start.ts), on the console: a schedule typed there,
 * run now with /schedule run, confirms itself within the guards, posts on the console and prints the
 * distribution's summary when it ends; a second start on the same data directory sees the schedule.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app/start.js';
import { loadConfig } from '../src/config/index.js';
import { startLocalnet } from '../src/localnet/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function consoleApp(config: ReturnType<typeof loadConfig>) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const app: RunningApp = await startApp({ config, input, output });
  cleanups.push(() => app.stop());
  cleanups.push(() => void input.end());
  return {
    app,
    type: (line: string) => input.write(`${line}\n`),
    async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      const until = Date.now() + 30_000;
      for (;;) {
        const match = pattern.exec(printed);
        if (match) return match;
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; printed:\n${printed}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

describe('schedules in the app', () => {
  it('a schedule typed on the console runs now, confirms itself within the guards, and its summary is printed; it survives a restart', async () => {
    const net = await startLocalnet({ holders: 6, seed: 12, slotMs: 50 });
    cleanups.push(() => net.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-schedule-console-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({
      env: {},
      overrides: {
        rpc: { url: net.rpcUrl },
        keypairPath: net.scenario.keypairPath,
        dataDir,
        http: { port: 0 },
        log: { level: 'silent' },
        distribution: { progressEditIntervalMs: 150, leaseTtlMs: 1_000 },
        guards: { allowedRewards: ['SOL'], limits: { SOL: { perDistribution: '100' } } },
      },
    });
    const first = await consoleApp(config);
    first.type(`/schedule create token:${net.scenario.baseMint} amount:60 reward:SOL every:weekly on:fri at:18:00 tz:Europe/Berlin approval:auto cap:80`);
    const id = (
      await first.waitFor(
        /Schedule (\w{8}) created: 60 SOL to holders of \S+ \(proportional\), weekly on Friday at 18:00 Europe\/Berlin; confirms itself within the guards, up to 80 SOL\./,
      )
    )[1] as string;
    await first.waitFor(/First occurrence: Fri \d{4}-\d{2}-\d{2} 18:00 GMT\+[12] \(Europe\/Berlin\)\./);
    first.type(`/schedule run id:${id}`);
    const planId = (
      await first.waitFor(
        new RegExp(
          `⏱ Schedule ${id} \\(weekly on Friday at 18:00 Europe/Berlin\\): a run now \\(/schedule run\\) confirmed itself within its guards: paying 60 SOL to \\d+ holders \\(distribution (\\w{8})\\)`,
        ),
      )
    )[1];
    await first.waitFor(new RegExp(`Schedule ${id} ran now: it confirmed itself within its guards \\(plan ${planId}\\)`));
    await first.waitFor(new RegExp(`Distribution ${planId} · completed\\n\\[█{20}\\] \\d+/\\d+ paid · 0 failed\\nSuccess rate 100%`));
    first.type('/guards');
    await first.waitFor(/Rewards allowed: SOL\nSOL:\n {4}at most 100 SOL per distribution\n {4}60 SOL spent in the last 24 h \(no cap\)/);
    await first.app.stop();

    const second = await consoleApp(config);
    second.type('/schedule list');
    await second.waitFor(
      new RegExp(
        `Schedules \\(1\\):\\n${id} · active · weekly on Friday at 18:00 Europe/Berlin\\n {4}60 SOL to holders of \\S+ \\(proportional\\); confirms itself within the guards, up to 80 SOL; next Fri`,
      ),
    );
  }, 60_000);
});
