import { spawnSync } from 'node:child_process';
import { opsText } from '../src/chat/ops-text.js';
import { msg } from '../src/i18n/index.js';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import { describe, expect, it, vi } from 'vitest';
import { EngineEventBus } from '../src/engine/events.js';
import { RpcEventBus } from '../src/solana/rpc-events.js';
import { fanOutNotifier, monitorConfigSchema, startMonitor, type MonitorLogger, type OpsMessage, type OpsNotifier, type OpsTarget } from '../src/monitor/index.js';

class Inbox implements OpsNotifier {
  readonly posts: { target: OpsTarget; message: OpsMessage }[] = [];
  async post(target: OpsTarget, message: OpsMessage): Promise<void> {
    this.posts.push({ target, message });
  }
}

function recordingLogger() {
  const warnings: object[] = [];
  const logger: MonitorLogger = { info() {}, error() {}, warn: (obj) => void warnings.push(obj) };
  return { logger, warnings };
}

describe('fan-out notifier', () => {
  it('delivers to every platform that works, logs the ones that fail or hang, and never throws', async () => {
    const good = new Inbox();
    const { logger, warnings } = recordingLogger();
    const notifier = fanOutNotifier(
      {
        telegram: { post: () => Promise.reject(new Error('429 Too Many Requests')) },
        hung: { post: () => new Promise<void>(() => {}) },
        discord: good,
      },
      logger,
      { timeoutMs: 50 },
    );
    await expect(notifier.post('alerts', { lines: [msg('alert.noData')] })).resolves.toBeUndefined();
    expect(good.posts).toEqual([{ target: 'alerts', message: { lines: [msg('alert.noData')] } }]);
    expect(warnings).toMatchObject([
      { notifier: 'telegram', target: 'alerts', err: { message: '429 Too Many Requests' } },
      { notifier: 'hung', err: { message: 'no answer after 50 ms' } },
    ]);
  });
});

describe('startMonitor', () => {
  it('wires metrics, history, alerts and the HTTP endpoint from one config', async () => {
    const config = monitorConfigSchema.parse({
      evaluationIntervalMs: 250,
      alerts: { rules: { rpc_error_rate: { minSamples: 5 } } },
    });
    const engine = new EngineEventBus();
    const rpc = new RpcEventBus();
    const inbox = new Inbox();
    const monitor = await startMonitor({
      config,
      stores: { history: new Keyv(), alerts: new Keyv(), reports: new Keyv() },
      notifier: inbox,
      http: { host: '127.0.0.1', port: 0 },
      health: async () => ({ ok: true, checks: { store: { ok: true } } }),
      engine,
      rpc,
    });
    try {
      for (let i = 0; i < 10; i++) {
        rpc.emit('call', { method: 'getBalance', endpoint: 'primary', lane: 'read', queuedMs: 0, durationMs: 30, ok: i % 2 === 0, rateLimited: 0, attempts: 1, at: Date.now() });
      }
      monitor.observeCommand('balance', 'telegram', 120);
      monitor.recordCache('mint', true);

      const text = await (await fetch(`${monitor.http!.url}/metrics`)).text();
      expect(text).toMatch(/^tributary_rpc_requests_total\{method="getBalance",endpoint="primary"\} 10$/m);
      expect(text).toMatch(/^tributary_cache_lookups_total\{cache="mint",result="hit"\} 1$/m);
      const health = await fetch(`${monitor.http!.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true, checks: { store: { ok: true }, monitor_history: { ok: true } } });

      // The evaluation loop (250 ms) sees a 50 % error rate and posts one alert.
      await vi.waitFor(() => expect(inbox.posts.filter((p) => opsText(p.message, 'en').includes('rpc_error_rate'))).toHaveLength(1), { timeout: 10_000 });
      expect(monitor.alerts.list().map((a) => a.ruleId)).toEqual(['rpc_error_rate']);
    } finally {
      await monitor.stop();
    }
  });

  it('does not keep the process alive: a script that starts it and never stops exits on its own', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const script = `
import Keyv from 'keyv';
import { monitorConfigSchema, startMonitor } from './src/monitor/index.ts';
await startMonitor({
  config: monitorConfigSchema.parse({ evaluationIntervalMs: 250 }),
  stores: { history: new Keyv(), alerts: new Keyv(), reports: new Keyv() },
  notifier: { post: async () => {} },
  http: false,
});
console.log('started');
`;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(res.error).toBeUndefined();
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('started');
    expect(res.status).toBe(0);
  });
});
