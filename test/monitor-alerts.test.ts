import Keyv from 'keyv';
import { opsText } from '../src/chat/ops-text.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineEventBus, type ProgressEvent } from '../src/engine/events.js';
import { AlertManager } from '../src/monitor/alerts.js';
import { monitorConfigSchema, type AlertRule } from '../src/monitor/config.js';
import { MetricHistory } from '../src/monitor/history.js';
import type { OpsMessage, OpsNotifier, OpsTarget } from '../src/monitor/notifier.js';
import { HistoryRecorder } from '../src/monitor/recorder.js';
import { progressEvent } from './helpers/events.js';
import { alertTimings, historyOptions, recordingHistory } from './helpers/monitor.js';

const MIN = 60_000;
const T0 = Date.parse('2025-09-18T03:00:00Z');

class Inbox implements OpsNotifier {
  readonly posts: { target: OpsTarget; text: string }[] = [];
  async post(target: OpsTarget, message: OpsMessage): Promise<void> {
    this.posts.push({ target, text: opsText(message, 'en') });
  }
}

function defaultRules(): AlertRule[] {
  return monitorConfigSchema.parse(undefined).alerts.rules;
}

function rule(id: string): AlertRule {
  const found = defaultRules().find((r) => r.id === id);
  if (!found) throw new Error(id);
  return found;
}

/** A clock, a history on an in-memory Keyv, a recorder fed by real event buses, and an alert store. */
async function harness(rules: AlertRule[], alertStore = new Keyv(), historyStore = new Keyv(), clock = { t: T0 }) {
  const now = () => clock.t;
  const { history, recorder, engine, rpc } = await recordingHistory(historyStore, now);
  const inbox = new Inbox();
  const alerts = new AlertManager({ rules, history, store: alertStore, notifier: inbox, ...alertTimings, now, onFired: (a) => recorder.recordAlert(a.ruleId, a.severity) });
  alerts.bindEngine(engine);
  const calls = (n: number, failing: number) => {
    for (let i = 0; i < n; i++) {
      rpc.emit('call', { method: 'getAccountInfo', endpoint: 'primary', lane: 'read', queuedMs: 1, durationMs: 50, ok: i >= failing, rateLimited: 0, attempts: 1, at: now() });
    }
  };
  return { clock, now, history, recorder, rpc, engine, inbox, alerts, alertStore, historyStore, calls };
}

const progress = (over: Partial<ProgressEvent>): ProgressEvent => progressEvent({ recipients: 1000, plannedAmount: '1000000000000', at: T0, ...over });

describe('alert manager', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('posts an alert once when it fires, stays quiet while active, reminds after the interval and resolves once', async () => {
    const h = await harness([rule('rpc_error_rate')]);
    h.calls(100, 20); // 20 % errors against a 5 % threshold
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(1);
    const fired = h.inbox.posts[0]!;
    expect(fired.target).toBe('alerts');
    expect(fired.text).toContain('HIGH');
    expect(fired.text).toContain('rpc_error_rate');
    expect(fired.text).toContain('20.0% > 5.0%');
    const [active] = h.alerts.list();
    expect(active?.id).toMatch(/^[0-9a-f]{6}$/);
    expect(fired.text).toContain(`[${active!.id}]`);

    // Still failing, evaluated many times over the next 59 minutes: no new message.
    for (let m = 1; m < 60; m++) {
      h.clock.t = T0 + m * MIN;
      h.calls(50, 10);
      await h.alerts.evaluate();
    }
    expect(h.inbox.posts).toHaveLength(1);

    // An hour after the first message: one reminder, with the same id.
    h.clock.t = T0 + 60 * MIN;
    h.calls(50, 10);
    await h.alerts.evaluate();
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(2);
    expect(h.inbox.posts[1]!.text).toContain('Still active for 1 h');
    expect(h.inbox.posts[1]!.text).toContain(`[${active!.id}]`);

    // Recovery: healthy minutes dilute the errors in the 5-minute window (10 errors of 300 calls by minute 65).
    for (let m = 61; m <= 67; m++) {
      h.clock.t = T0 + m * MIN;
      h.calls(50, 0);
      await h.alerts.evaluate();
    }
    expect(h.inbox.posts).toHaveLength(3);
    expect(h.inbox.posts[2]!.text).toMatch(/^✅ Resolved \[[0-9a-f]{6}\] rpc_error_rate after 1 h 5 min: now 3\.3%/);
    expect(h.alerts.list()).toEqual([]);
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(3);
  });

  it('sends no reminders for an acknowledged alert, and still posts its resolution', async () => {
    const h = await harness([rule('rpc_error_rate')]);
    h.calls(100, 50);
    await h.alerts.evaluate();
    const id = h.alerts.list()[0]!.id;
    expect(await h.alerts.ack('nope00', 'alice')).toBeUndefined();
    const acked = await h.alerts.ack(id, 'alice');
    expect(acked?.acknowledgedBy).toBe('alice');

    for (let m = 1; m <= 180; m += 10) {
      h.clock.t = T0 + m * MIN;
      h.calls(50, 25);
      await h.alerts.evaluate();
    }
    expect(h.inbox.posts).toHaveLength(1);

    h.clock.t = T0 + 200 * MIN;
    h.calls(50, 0);
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(2);
    expect(h.inbox.posts[1]!.text).toContain('acknowledged by alice');
  });

  it('keeps an active alert across a restart: not posted again as new, resolved by the new manager', async () => {
    const alertStore = new Keyv();
    const historyStore = new Keyv();
    const clock = { t: T0 };
    const first = await harness([rule('rpc_error_rate')], alertStore, historyStore, clock);
    first.calls(100, 30);
    await first.alerts.evaluate();
    expect(first.inbox.posts).toHaveLength(1);
    const id = first.alerts.list()[0]!.id;
    await first.alerts.ack(id, 'bob');
    await first.alerts.stop();
    await first.history.stop();

    // A new process: same stores, new objects, 30 s later.
    clock.t = T0 + 30_000;
    const second = await harness([rule('rpc_error_rate')], alertStore, historyStore, clock);
    await second.alerts.evaluate();
    expect(second.inbox.posts).toEqual([]);
    expect(second.alerts.list()).toMatchObject([{ id, ruleId: 'rpc_error_rate', acknowledgedBy: 'bob' }]);

    clock.t = T0 + 10 * MIN;
    second.calls(40, 0);
    await second.alerts.evaluate();
    expect(second.inbox.posts).toHaveLength(1);
    expect(second.inbox.posts[0]!.text).toContain(`Resolved [${id}]`);
  });

  it('does not fire a success-rate alert over zero (or too few) attempts', async () => {
    const h = await harness([rule('distribution_success_rate')]);
    await h.alerts.evaluate();
    h.engine.emit('progress', progress({ paid: 0, failed: 5 })); // 0 % of 5: below minSamples (20)
    await h.alerts.evaluate();
    expect(h.inbox.posts).toEqual([]);
  });

  it("fires within one evaluation interval when a running distribution's success rate drops", async () => {
    vi.useFakeTimers({ now: T0 });
    const rules = defaultRules().filter((r) => r.id === 'distribution_success_rate');
    const history = new MetricHistory(new Keyv(), historyOptions);
    await history.start();
    const recorder = new HistoryRecorder(history, { sampleProcess: false });
    await recorder.start();
    const engine = new EngineEventBus();
    recorder.bindEngine(engine);
    const inbox = new Inbox();
    const alerts = new AlertManager({ rules, history, store: new Keyv(), notifier: inbox, ...alertTimings, evaluationIntervalMs: 2_000 });
    alerts.bindEngine(engine);
    await alerts.start();

    // A healthy distribution earlier in the same 15 minutes keeps the window rate above 95 %...
    engine.emit('progress', progress({ distributionId: 'd0', paid: 0 }));
    engine.emit('completed', {
      ...progress({ distributionId: 'd0', paid: 1000, failed: 0, state: 'completed' }),
      successRate: 1,
      durationMs: 60_000,
      symbol: 'SOL',
      report: null,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    // ...while the running one is healthy at first.
    engine.emit('progress', progress({ distributionId: 'd2', paid: 40, failed: 0, at: Date.now() }));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(inbox.posts).toEqual([]);

    // Its rate drops to 40 / 55 = 72.7 %; the window (1040 of 1055 = 98.6 %) alone would not fire.
    engine.emit('progress', progress({ distributionId: 'd2', paid: 40, failed: 15, at: Date.now() }));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(inbox.posts).toHaveLength(1);
    expect(inbox.posts[0]!.text).toContain('CRITICAL');
    expect(inbox.posts[0]!.text).toContain('72.7% < 95.0%');
    expect(inbox.posts[0]!.text).toContain('running d2');

    await alerts.stop();
    recorder.stop();
    await history.stop();
  });

  it('alerts when the distributor holds less SOL than the next distribution needs, and when a run stalls', async () => {
    const h = await harness([rule('distributor_sol_low'), rule('distribution_stalled')]);
    h.alerts.setDistributorSolNeed(2_500_000_000n, 2_000_000_000n);
    await h.alerts.evaluate();
    expect(h.inbox.posts).toEqual([]);
    h.alerts.setDistributorSolNeed(500_000_000n, 2_039_280_000n);
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(1);
    expect(h.inbox.posts[0]!.text).toContain('distributor has 0.5 SOL, the next planned distribution needs 2.03928 SOL');

    h.engine.emit('progress', progress({ paid: 10 }));
    h.clock.t = T0 + 9 * MIN;
    h.engine.emit('progress', progress({ paid: 10 })); // same counts: not progress
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(1);
    h.clock.t = T0 + 11 * MIN;
    await h.alerts.evaluate();
    expect(h.inbox.posts).toHaveLength(2);
    expect(h.inbox.posts[1]!.text).toContain('distribution_stalled');
    expect(h.inbox.posts[1]!.text).toContain('longest: d1');
    // Paused by an operator: no longer watched, so the stall alert resolves.
    h.engine.emit('progress', progress({ paid: 10, state: 'paused' }));
    await h.alerts.evaluate();
    expect(h.inbox.posts.at(-1)!.text).toContain('Resolved');
  });
});
