import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { EngineEventBus, type ProgressEvent } from '../src/engine/events.js';
import { sumBuckets } from '../src/monitor/bucket.js';
import { MetricHistory } from '../src/monitor/history.js';
import { emptyHistogram, observe, quantile } from '../src/monitor/latency-histogram.js';
import { HistoryRecorder } from '../src/monitor/recorder.js';
import { progressEvent } from './helpers/events.js';
import { historyOptions } from './helpers/monitor.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-09-18T00:00:00Z');

const progress = (over: Partial<ProgressEvent>): ProgressEvent => progressEvent({ reward: 'So11111111111111111111111111111111111111112', ...over });

describe('latency histogram', () => {
  it('gives percentiles within 4 % above the true value, and exact min and max', () => {
    const h = emptyHistogram();
    for (let i = 1; i <= 1000; i++) observe(h, i);
    for (const [q, truth] of [
      [0.5, 500],
      [0.95, 950],
      [0.99, 990],
    ] as const) {
      const v = quantile(h, q)!;
      expect(v).toBeGreaterThanOrEqual(truth);
      expect(v).toBeLessThanOrEqual(truth * 1.04);
    }
    expect(quantile(h, 1)).toBe(1000);
    expect(h.min).toBe(1);
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
  });
});

describe('minute history', () => {
  it('flushes minute buckets to the store, one key per hour, and reads them back after a restart', async () => {
    const store = new Keyv();
    const clock = { t: T0 + 5 * MIN + 10_000 };
    const now = () => clock.t;
    const h1 = new MetricHistory(store, { ...historyOptions, now });
    await h1.start();
    h1.update((b) => (b.rpc.requests += 3));
    clock.t += MIN;
    h1.update((b) => (b.rpc.requests += 4));
    await h1.stop();

    const stored = await store.get<{ minutes: Record<string, unknown> }>(`h:${T0}`);
    expect(Object.keys(stored!.minutes).sort()).toEqual(['5', '6']);

    // Restarted within the same minute: the stored partial minute keeps counting.
    const h2 = new MetricHistory(store, { ...historyOptions, now });
    h2.update((b) => (b.rpc.requests += 1)); // recorded before start() finished loading
    await h2.start();
    const buckets = await h2.range(T0, T0 + HOUR);
    expect(buckets.map((b) => [b.t, b.rpc.requests])).toEqual([
      [T0 + 5 * MIN, 3],
      [T0 + 6 * MIN, 5],
    ]);
    await h2.stop();
  });

  it('deletes hours older than the retention', async () => {
    const store = new Keyv();
    const clock = { t: T0 };
    const now = () => clock.t;
    const h = new MetricHistory(store, { ...historyOptions, now, retentionDays: 2 });
    await h.start();
    for (let hour = 0; hour < 4 * 24; hour += 6) {
      clock.t = T0 + hour * HOUR;
      h.update((b) => (b.tx.sent += 1));
      await h.flush();
    }
    await h.prune();
    const index = (await store.get<number[]>('hours'))!;
    expect(index.every((hour) => hour >= clock.t - 2 * DAY)).toBe(true);
    expect(await store.get(`h:${T0}`)).toBeUndefined();
    expect(await store.get(`h:${clock.t - (clock.t % HOUR)}`)).toBeDefined();
    await h.stop();
  });
});

describe('history recorder', () => {
  it('files progress as per-minute differences, amounts as exact decimal strings, and does not count a resumed run twice', async () => {
    const store = new Keyv();
    const clock = { t: T0 + 10 * MIN };
    const now = () => clock.t;
    let history = new MetricHistory(store, { ...historyOptions, now });
    await history.start();
    let recorder = new HistoryRecorder(history, { now, sampleProcess: false });
    await recorder.start();
    let bus = new EngineEventBus();
    recorder.bindEngine(bus);

    bus.emit('progress', progress({ state: 'confirmed' })); // not running yet: nothing filed
    bus.emit('progress', progress({ paid: 4, paidAmount: '4000000000000000001' }));
    clock.t += MIN;
    bus.emit('progress', progress({ paid: 6, failed: 1, paidAmount: '6000000000000000003' }));
    recorder.stop();
    await history.stop();

    // Crash and resume: the engine reports cumulative counts again.
    clock.t += MIN;
    history = new MetricHistory(store, { ...historyOptions, now });
    await history.start();
    recorder = new HistoryRecorder(history, { now, sampleProcess: false });
    await recorder.start();
    bus = new EngineEventBus();
    recorder.bindEngine(bus);
    bus.emit('progress', progress({ paid: 9, failed: 1, paidAmount: '9000000000000000009' }));
    bus.emit('completed', {
      ...progress({ paid: 9, failed: 1, paidAmount: '9000000000000000009', state: 'completed' }),
      successRate: 0.9,
      durationMs: 180_000,
      symbol: 'SOL',
      report: null,
    });
    bus.emit('completed', {
      ...progress({ paid: 9, failed: 1, paidAmount: '9000000000000000009', state: 'completed' }),
      successRate: 0.9,
      durationMs: 180_000,
      symbol: 'SOL',
      report: null,
    });

    const total = sumBuckets(await history.range(T0, T0 + HOUR));
    expect(total.recipients).toEqual({ paid: 9, failed: 1 });
    expect(total.paid).toEqual({ So11111111111111111111111111111111111111112: { decimals: 9, amount: '9000000000000000009' } });
    expect(total.distributions.started).toBe(1);
    expect(total.distributions.completed).toBe(1);
    expect(total.completed).toHaveLength(1);
    const perMinute = (await history.range(T0, T0 + HOUR)).map((b) => b.recipients.paid);
    expect(perMinute).toEqual([4, 2, 3]);
    recorder.stop();
    await history.stop();
  });
});
