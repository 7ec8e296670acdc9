/**
 * The command runtime without a chain: loading command files, role preconditions, errors, the audit
 * log, buttons, and the progress message's pacing. The platform tests run the same over the chain.
 */
import { defaultConfig } from '../src/config/index.js';
import { msg } from '../src/i18n/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../src/app/context.js';
import type { Engine } from '../src/app/engine.js';
import { AuditLog } from '../src/chat/audit.js';
import { loadCommands } from '../src/chat/loader.js';
import { ProgressHub, type ProgressSurface } from '../src/chat/progress.js';
import { ChatRuntime, type CallerSource } from '../src/chat/runtime.js';
import type { ReplyFile, Role } from '../src/chat/types.js';
import { loadConfig } from '../src/config/index.js';
import { EngineEventBus, type ProgressEvent } from '../src/engine/events.js';
import { TributaryError } from '../src/engine/errors.js';
import { ReportScheduler } from '../src/monitor/report-scheduler.js';
import { runConsole } from '../src/platforms/console/run-console.js';
import { PassThrough, Readable } from 'node:stream';
import { progressEvent } from './helpers/events.js';
import { schedulerSettings } from './helpers/monitor.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop() as string, { recursive: true, force: true });
});

/** A commands folder of plain JavaScript files (the loader reads dist/commands/*.js the same way). */
function commandsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-commands-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

const command = (name: string, role: Role | 'moderator', handler: string, extra = '') =>
  `export default { name: ${JSON.stringify(name)}, description: 'test', role: '${role}', options: [{ name: 'id', description: 'x', type: 'string' }], ${extra} handler: ${handler} };\n`;

function fakeApp(engine: Partial<Engine> = {}): { app: AppContext; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const stores = new Map<string, Keyv>();
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const app = {
    config: loadConfig({ env: {}, overrides: { distribution: { progressEditIntervalMs: 200 } } }),
    logger,
    engine: { events: new EngineEventBus(), ...engine } as Engine,
    store: { ns: (n: string) => stores.get(n) ?? (stores.set(n, new Keyv()).get(n) as Keyv) },
    explorerUrl: () => null,
  } satisfies AppContext;
  return { app, logs };
}

function source(role: Role, userId = 'u1', chat = 'c1'): CallerSource {
  return { actor: { platform: 'test', userId, name: userId }, chat: { platform: 'test', id: chat }, role: async () => role };
}

describe('command files', () => {
  it('loads every command of the issue from commands/, each with its least role, and finds nothing wrong', async () => {
    const { commands, problems } = await loadCommands();
    expect(problems).toEqual([]);
    expect(Object.fromEntries(commands.map((c) => [c.name, c.role]))).toEqual({
      'alerts ack': 'operator',
      'alerts list': 'operator',
      'config show': 'admin',
      'distribute approve': 'operator',
      'distribute cancel': 'operator',
      'distribute confirm': 'operator',
      'distribute export': 'operator',
      'distribute history': 'holder',
      'distribute pause': 'operator',
      'distribute preview': 'operator',
      'distribute resume': 'operator',
      'distribute retry': 'operator',
      'distribute status': 'holder',
      guards: 'operator',
      health: 'operator',
      help: 'holder',
      language: 'holder',
      'holders export': 'operator',
      'holders snapshot': 'operator',
      report: 'operator',
      rewards: 'holder',
      'schedule create': 'operator',
      'schedule delete': 'operator',
      'schedule list': 'operator',
      'schedule pause': 'operator',
      'schedule resume': 'operator',
      'schedule run': 'operator',
      'schedule show': 'operator',
      'schedule skip': 'operator',
      'wallet link': 'holder',
      'wallet show': 'holder',
      'wallet unlink': 'holder',
      'wallet verify': 'holder',
    });
    // Every money-moving or role-relevant command writes the audit log.
    expect(
      commands
        .filter((c) => c.audit)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'alerts ack',
      'distribute approve',
      'distribute cancel',
      'distribute confirm',
      'distribute pause',
      'distribute preview',
      'distribute resume',
      'distribute retry',
      'schedule create',
      'schedule delete',
      'schedule pause',
      'schedule resume',
      'schedule run',
      'schedule skip',
      'wallet link',
      'wallet unlink',
      'wallet verify',
    ]);
  });

  it('names each bad command file and what is wrong with it, and still loads the good ones', async () => {
    const dir = commandsDir({
      'good.js': command('good', 'holder', 'async () => ({ text: "ok" })'),
      'no-default.js': 'export const x = 1;\n',
      'bad-role.js': command('bad role', 'moderator', 'async () => ({ text: "" })'),
      'Shouty.js': command('Shouty', 'holder', 'async () => ({ text: "" })'),
      'no-handler.js': `export default { name: 'nohandler', description: 'x', role: 'holder', options: [] };\n`,
      'broken.js': 'export default {\n',
      'twin.js': command('good', 'holder', 'async () => ({ text: "twin" })'),
    });
    const { commands, problems } = await loadCommands(dir);
    expect(commands.map((c) => c.name)).toEqual(['good']);
    const byFile = Object.fromEntries(problems.map((p) => [p.file, p.problem]));
    expect(Object.keys(byFile).sort()).toEqual(['Shouty.js', 'bad-role.js', 'broken.js', 'no-default.js', 'no-handler.js', 'twin.js']);
    expect(byFile['no-default.js']).toContain('has no default export');
    expect(byFile['bad-role.js']).toContain('role:');
    expect(byFile['Shouty.js']).toContain('name: one or two lowercase words');
    expect(byFile['no-handler.js']).toContain('handler: must be a function');
    expect(byFile['broken.js']).toContain('does not load');
    expect(byFile['twin.js']).toContain('"good" is already the name of good.js');
  });
});

describe('dispatching a command', () => {
  it('refuses by the named precondition before reading the options, and never runs the handler', async () => {
    const dir = commandsDir({ 'money.js': command('money', 'operator', 'async () => { globalThis.__ran = true; return { text: "sent" }; }', 'audit: true,') });
    const { app } = fakeApp();
    const runtime = await ChatRuntime.create(app, { commandsDir: dir });
    const result = await runtime.runText('/money id:abc nonsense:1', source('holder'));
    expect(result).toMatchObject({ outcome: 'refused', code: 'RequireOperator', reply: { ephemeral: true } });
    expect(result?.reply.text).toBe('✖ /money is for operators, and you are not one here. An admin can add you under roles.operator in the config.');
    expect((globalThis as { __ran?: boolean }).__ran).toBeUndefined();
    expect((await runtime.audit.recent()).map((e) => [e.action, e.outcome, e.code, e.planId, e.role])).toEqual([['money', 'refused', 'RequireOperator', 'abc', 'holder']]);
  });

  it('shows a TributaryError as its message, privately, and changes nothing', async () => {
    const dir = commandsDir({
      'x.js': `import { TributaryError } from ${JSON.stringify(new URL('../src/engine/errors.ts', import.meta.url).href)};\n${command('x', 'holder', 'async () => { throw new TributaryError("PLAN_EXPIRED", "plan ab expired; run /distribute preview again"); }')}`,
    });
    const { app } = fakeApp();
    const runtime = await ChatRuntime.create(app, { commandsDir: dir });
    expect(await runtime.runText('/x', source('holder'))).toMatchObject({
      outcome: 'refused',
      code: 'PLAN_EXPIRED',
      reply: { text: '✖ plan ab expired; run /distribute preview again', ephemeral: true },
    });
    expect(TributaryError).toBeDefined();
  });

  it('masks an RPC key, a bot token or keypair bytes that a reply or a user error lets through, and keeps explorer links whole', async () => {
    const link =
      'https://explorer.solana.com/tx/5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW?cluster=custom&customUrl=http%3A%2F%2F127.0.0.1%3A8899';
    const errors = JSON.stringify(new URL('../src/engine/errors.ts', import.meta.url).href);
    const dir = commandsDir({
      'say.js': command(
        'say',
        'holder',
        `async () => ({ text: "endpoint http://127.0.0.1:18899/SEKRETAPIKEY0123456789abcdef token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw paid ${link}" })`,
      ),
      'oops.js': `import { TributaryError } from ${errors};\n${command('oops', 'holder', 'async () => { throw new TributaryError("RPC_UNAVAILABLE", "https://mainnet.helius-rpc.com/?api-key=abc123 is not answering"); }')}`,
    });
    const { app } = fakeApp();
    const runtime = await ChatRuntime.create(app, { commandsDir: dir });
    expect((await runtime.runText('/say', source('holder')))?.reply.text).toBe(`endpoint http://127.0.0.1:18899/*** token *** paid ${link}`);
    expect((await runtime.runText('/oops', source('holder')))?.reply.text).toBe('✖ https://mainnet.helius-rpc.com/?api-key=*** is not answering');
  });

  it('shows an internal error only as an id, which the log has next to the real error', async () => {
    const dir = commandsDir({ 'boom.js': command('boom', 'holder', 'async () => { throw new Error("connect ECONNREFUSED https://rpc.example/?api-key=SECRET"); }') });
    const { app, logs } = fakeApp();
    const runtime = await ChatRuntime.create(app, { commandsDir: dir });
    const result = await runtime.runText('/boom', source('holder'));
    const id = /internal error \(id (\w{8})\)/.exec(result?.reply.text ?? '')?.[1];
    expect(id).toBeDefined();
    expect(result?.reply.text).not.toContain('SECRET');
    expect(result?.outcome).toBe('failed');
    const logged = logs.find((l) => l['errorId'] === id);
    expect(logged?.['msg']).toBe('command failed with an internal error');
  });

  it('runs a pressed button once, even when it is pressed twice at the same moment, and never again after', async () => {
    const dir = commandsDir({
      'slow.js': command(
        'slow',
        'holder',
        'async (_ctx, o) => { globalThis.__runs = (globalThis.__runs ?? 0) + 1; await new Promise((r) => setTimeout(r, 50)); return { text: "done " + o.id }; }',
      ),
    });
    const { app } = fakeApp();
    const runtime = await ChatRuntime.create(app, { commandsDir: dir });
    const caller = source('holder');
    const [button] = await runtime.buttons.issue([{ label: 'Go', command: '/slow id:42' }], { actor: caller.actor, chat: caller.chat });
    const data = button?.data as string;
    expect(data).toMatch(/^b:[0-9a-z]{12}$/);
    const [first, second] = await Promise.all([runtime.press(data, caller), runtime.press(data, caller)]);
    expect([first.reply.text, second.reply.text].sort()).toEqual(['done 42', '✖ these buttons were already used; nothing more was done']);
    expect((await runtime.press(data, caller)).code).toBe('BUTTON_USED');
    expect((globalThis as { __runs?: number }).__runs).toBe(1);
  });
});

describe('mainnet confirmation', () => {
  it('passes the repeated total through to the engine, which asks for it first', async () => {
    const seen: (string | undefined)[] = [];
    const plan = { id: 'abcd1234', total: 1000_000000000n, reward: { kind: 'sol', decimals: 9, symbol: 'SOL' }, recipients: [{}, {}] };
    const service = {
      async confirm(_id: string, _actor: unknown, opts: { acknowledgeTotal?: string }) {
        seen.push(opts.acknowledgeTotal);
        if (opts.acknowledgeTotal !== '1000') {
          throw new TributaryError('CONFIRMATION_REQUIRED', 'this is mainnet: confirm again with the total, /distribute confirm id:abcd1234 total:1000');
        }
        return { plan };
      },
    };
    const { app } = fakeApp({ service: service as never });
    const runtime = await ChatRuntime.create(app);
    const first = await runtime.runText('/distribute confirm id:abcd1234', source('operator'));
    expect(first).toMatchObject({ outcome: 'refused', code: 'CONFIRMATION_REQUIRED' });
    expect(first?.reply.text).toContain('/distribute confirm id:abcd1234 total:1000');
    const second = await runtime.runText('/distribute confirm id:abcd1234 total:1000', source('operator'));
    expect(second).toMatchObject({ outcome: 'done', reply: { followProgress: 'abcd1234' } });
    expect(second?.reply.text).toContain('paying 1000 SOL to 2 holders');
    expect(seen).toEqual([undefined, '1000']);
    expect((await runtime.audit.recent()).map((e) => [e.outcome, e.code, e.options?.['total']])).toEqual([
      ['done', undefined, '1000'],
      ['refused', 'CONFIRMATION_REQUIRED', undefined],
    ]);
  });
});

describe('alerts and reports', () => {
  it('lets an operator list active alerts, acknowledge one by id, and read the daily report; commands are timed for metrics', async () => {
    const acked: [string, string][] = [];
    const observed: string[] = [];
    const alert = {
      id: 'a3f9c1',
      ruleId: 'success-rate',
      metric: 'success_rate',
      severity: 'high',
      operator: 'lt',
      threshold: 0.95,
      windowMs: 600_000,
      value: 0.91,
      firedAt: Date.now() - 120_000,
      lastNotifiedAt: 0,
    };
    const monitoring = {
      monitor: {
        alerts: {
          list: () => [alert],
          ack: async (id: string, by: string) => (id === 'a3f9c1' ? (acked.push([id, by]), { ...alert, acknowledgedBy: by }) : undefined),
        },
        // The scheduler posts at 09:00; the command is asked at 06:03 on 2026-12-02.
        reports: new ReportScheduler({
          history: { range: async () => [] },
          store: new Keyv(),
          notifier: { post: async () => undefined },
          time: '09:00',
          timeZone: 'UTC',
          targets: [],
          ...schedulerSettings,
          now: () => Date.UTC(2026, 11, 2, 6, 3),
        }),
        observeCommand: (command: string, platform: string) => observed.push(`${platform}:${command}`),
      },
      addNotifier: () => undefined,
      addHealthCheck: () => undefined,
    };
    const { app } = fakeApp();
    const runtime = await ChatRuntime.create({ ...app, monitoring: monitoring as never });
    const list = await runtime.runText('/alerts list', source('operator'));
    expect(list?.reply.text).toContain('[a3f9c1] high · success-rate: success_rate 0.91 (lt 0.95) for 2 min 0 s');
    expect(list?.reply.text).toContain('acknowledge: /alerts ack id:a3f9c1');
    expect((await runtime.runText('/alerts ack id:A3F9C1x', source('operator')))?.code).toBe('ALERT_NOT_FOUND');
    expect((await runtime.runText('/alerts ack a3f9c1', source('operator')))?.reply.text).toBe('Alert a3f9c1 (success-rate) acknowledged by u1 (test).');
    expect(acked).toEqual([['a3f9c1', 'u1 (test)']]);
    // The latest full day, whatever the hour: before the posting time too.
    expect((await runtime.runText('/report', source('operator')))?.reply.text).toContain('Daily report 2026-12-01 (UTC)');
    expect((await runtime.runText('/report date:2026-11-30', source('operator')))?.reply.text).toContain('Daily report 2026-11-30 (UTC)');
    expect((await runtime.runText('/report date:yesterday', source('operator')))?.reply.text).toBe('✖ date must be written YYYY-MM-DD, e.g. date:2026-12-01');
    for (const date of ['2026-13-45', '2026-02-30', '0000-00-00']) {
      const refused = await runtime.runText(`/report date:${date}`, source('operator'));
      expect(refused?.code, date).toBe('INVALID_OPTION');
      expect(refused?.reply.text).toBe(`✖ date ${date} is not a day of the calendar; write YYYY-MM-DD with a month from 01 to 12 and a day that month has, e.g. date:2026-12-01`);
    }
    expect((await runtime.runText('/report date:2026-12-03', source('operator')))?.reply.text).toBe('✖ date 2026-12-03 has not come yet; the latest full day is 2026-12-01');
    // The same through the console adapter, as typed.
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const consoleApp = {
      ...app,
      monitoring: monitoring as never,
      engine: { ...app.engine, service: { whenIdle: async () => undefined, activeIds: () => [] } } as unknown as Engine,
    };
    await runConsole(consoleApp, { input: Readable.from(['/report\n/report date:2026-02-30\n']), output, identity: { userId: 'ops', role: 'operator' } });
    expect(printed).toContain('Daily report 2026-12-01 (UTC)');
    expect(printed).toContain('✖ date 2026-02-30 is not a day of the calendar');
    expect((await runtime.runText('/alerts list', source('holder')))?.code).toBe('RequireOperator');
    expect(observed).toContain('test:alerts ack');
  });
});

describe('audit log', () => {
  it('keeps who did what and when, newest first', async () => {
    // The clock agrees with the entries' times: entries older than the retention are not kept.
    const audit = new AuditLog(new Keyv(), { retentionMs: defaultConfig().audit.retentionDays * 86_400_000, now: () => 2 });
    const actor = { platform: 'discord', userId: '1', name: 'alice' };
    await Promise.all([
      audit.record({ at: 1, actor, role: 'operator', chat: { platform: 'discord', id: 'c' }, action: 'distribute preview', outcome: 'done', planId: 'p1' }),
      audit.record({ at: 2, actor, role: 'operator', chat: { platform: 'discord', id: 'c' }, action: 'distribute confirm', outcome: 'done', planId: 'p1' }),
    ]);
    expect((await audit.recent()).map((e) => [e.action, e.planId, e.actor.name])).toEqual([
      ['distribute confirm', 'p1', 'alice'],
      ['distribute preview', 'p1', 'alice'],
    ]);
  });
});

describe('progress message', () => {
  const report = { path: '/nonexistent/d1.csv', bytes: 11, rows: 0 };
  const progress = (paid: number, at = Date.now()): ProgressEvent =>
    progressEvent({ paid, paidAmount: String(paid * 1_000_000_000), plannedAmount: '10000000000', transactionsSent: paid, transactionsConfirmed: paid, at });

  it('is edited at most once per interval, never with the same text, and ends with the summary and the CSV', async () => {
    const status = { record: { id: 'd1', state: 'running' }, plan: { reward: { symbol: 'SOL', decimals: 9 } }, progress: progress(0) };
    const { app } = fakeApp({ service: { status: async () => status, exportCsv: async () => report } as never });
    const hub = new ProgressHub(app, app.logger, 200);
    const seen: { at: number; text: string; files?: ReplyFile[] }[] = [];
    const surface: ProgressSurface = {
      update: async (text) => void seen.push({ at: Date.now(), text }),
      finish: async (text, files) => void seen.push({ at: Date.now(), text, files }),
    };
    const done = hub.follow('d1', 'test', surface);
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 10_000 });
    for (let paid = 1; paid <= 9; paid++) {
      app.engine.events.emit('progress', progress(paid));
      app.engine.events.emit('progress', progress(paid)); // the same counts again: no edit
      await new Promise((r) => setTimeout(r, 50));
    }
    // The trailing edit (at most one interval after the last count) is shown before the run ends.
    await vi.waitFor(() => expect(seen.at(-1)?.text).toContain('9/10 paid'), { timeout: 10_000 });
    app.engine.events.emit('completed', { ...progress(10), state: 'completed', successRate: 1, durationMs: 1_000, symbol: 'SOL', report });
    await done;
    hub.stop();

    const texts = seen.map((s) => s.text);
    for (let i = 1; i < texts.length; i++) expect(texts[i]).not.toBe(texts[i - 1]);
    for (let i = 2; i < seen.length - 1; i++) expect((seen[i]?.at ?? 0) - (seen[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(190);
    expect(seen.length).toBeLessThan(8);
    // The last count before the summary was shown: trailing edits are not lost.
    expect(texts.at(-2)).toContain('9/10 paid');
    expect(texts.at(-1)).toContain('Success rate 100%');
    expect(seen.at(-1)?.files?.map((f) => f.name)).toEqual(['tributary-d1.csv']);
  });

  it('keeps following when the platform refuses an edit, and still shows the summary', async () => {
    const status = { record: { id: 'd1', state: 'running' }, plan: { reward: { symbol: 'SOL', decimals: 9 } }, progress: progress(0) };
    const { app } = fakeApp({ service: { status: async () => status, exportCsv: async () => report } as never });
    const hub = new ProgressHub(app, app.logger, 10);
    let calls = 0;
    const finished: string[] = [];
    const done = hub.follow('d1', 'test', {
      update: async () => {
        calls++;
        throw new Error('429 Too Many Requests');
      },
      finish: async (text) => void finished.push(text),
    });
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 10_000 });
    app.engine.events.emit('progress', progress(5));
    await vi.waitFor(() => expect(calls).toBe(2), { timeout: 10_000 });
    expect(() => app.engine.events.emit('completed', { ...progress(10), state: 'completed', successRate: 1, durationMs: 10, symbol: 'SOL', report })).not.toThrow();
    await done;
    hub.stop();
    expect(calls).toBe(2);
    expect(finished).toHaveLength(1);
  });

  it('lets the console stop waiting for a distribution that paused, after showing its last state', async () => {
    const status = { record: { id: 'd1', state: 'running' }, plan: { reward: { symbol: 'SOL', decimals: 9 } }, progress: progress(0) };
    const { app } = fakeApp({ service: { status: async () => status, exportCsv: async () => report, activeIds: () => [] } as never });
    const hub = new ProgressHub(app, app.logger, 60_000);
    const shown: string[] = [];
    const done = hub.follow('d1', 'console', { update: async (t) => void shown.push(t), finish: async (t) => void shown.push(t) });
    await vi.waitFor(() => expect(shown).toHaveLength(1), { timeout: 10_000 });
    app.engine.events.emit('progress', { ...progress(4), state: 'paused', note: msg('pause.byOperator', { name: 'ops' }) });
    hub.settle();
    await done;
    hub.stop();
    expect(shown.at(-1)).toContain('Distribution d1 · paused');
    expect(shown.at(-1)).toContain('Note: paused by ops');
  });
});
