import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { inflateSync } from 'node:zlib';
import Keyv from 'keyv';
import * as PImage from 'pureimage';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../src/engine/events.js';
import { renderDayChart } from '../src/monitor/chart.js';
import { MetricHistory } from '../src/monitor/history.js';
import type { OpsMessage, OpsNotifier, OpsTarget } from '../src/monitor/notifier.js';
import { buildDailyReport, reportLines, type DailyReport } from '../src/monitor/report.js';
import { opsText } from '../src/chat/ops-text.js';
import { say, type Message } from '../src/i18n/index.js';

const renderReportText = (r: DailyReport) => opsText({ lines: reportLines(r) }, 'en');
const english = (m: Message) => say('en', m);
import { ReportScheduler } from '../src/monitor/report-scheduler.js';
import { progressEvent } from './helpers/events.js';
import { chartSettings, historyOptions, recordingHistory, reportSettings, schedulerSettings } from './helpers/monitor.js';

const MIN = 60_000;
const TZ = 'Asia/Tokyo';
const DATE = '2025-09-18';
/** Local midnight of DATE in Tokyo. */
const DAY_START = Date.parse('2025-09-17T15:00:00Z');
const at = (hh: number, mm = 0) => DAY_START + hh * 60 * MIN + mm * MIN;
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';

const progress = (over: Partial<ProgressEvent>): ProgressEvent => progressEvent({ recipients: 0, ...over });

/**
 * A synthetic day: two distributions, 1,000 RPC calls with known latencies, cache lookups, three busy hours
 * of CPU with a growing heap, one alert; plus activity just outside the day that must not count.
 */
async function syntheticDay(store = new Keyv()) {
  const clock = { t: DAY_START - 10 * MIN };
  const now = () => clock.t;
  const { history, recorder, engine, rpc } = await recordingHistory(store, now);
  const call = (durationMs: number, ok = true, rateLimited = 0) =>
    rpc.emit('call', { method: 'getMultipleAccounts', endpoint: 'primary', lane: 'read', queuedMs: 2, durationMs, ok, rateLimited, attempts: 1 + rateLimited, at: now() });

  // The previous local day: 50 slow calls that the report must leave out.
  for (let i = 0; i < 50; i++) call(9_000);

  // 1,000 calls spread over 01:00-05:59: 900 at 40 ms, 80 at 300 ms, 15 at 1.5 s, 5 at 4 s; 10 errors; 3 met 429 twice.
  const latencies = [...Array(900).fill(40), ...Array(80).fill(300), ...Array(15).fill(1_500), ...Array(5).fill(4_000)] as number[];
  latencies.forEach((ms, i) => {
    clock.t = at(1 + (i % 5), i % 60);
    call(ms, i % 100 !== 0, i < 3 ? 2 : 0);
  });

  // Distribution d1 pays SOL from 10:00 to 10:05: 100 paid, 2 failed.
  clock.t = at(10);
  engine.emit('progress', progress({ paid: 0 }));
  clock.t = at(10, 2);
  engine.emit('progress', progress({ paid: 60, paidAmount: '100000000000000000' }));
  for (let i = 0; i < 12; i++) engine.emit('transaction', { distributionId: 'd1', signature: `s${i}`, recipients: 9, outcome: 'sent', at: now() });
  for (let i = 0; i < 11; i++) engine.emit('transaction', { distributionId: 'd1', signature: `s${i}`, recipients: 9, outcome: 'confirmed', at: now() });
  engine.emit('transaction', { distributionId: 'd1', signature: 's11', recipients: 9, outcome: 'failed', at: now() });
  clock.t = at(10, 5);
  const done1 = progress({ paid: 100, failed: 2, paidAmount: '123456789012345678', state: 'completed' });
  engine.emit('progress', done1);
  engine.emit('completed', { ...done1, successRate: 100 / 102, durationMs: 5 * MIN, symbol: 'SOL', report: null });

  // Distribution d2 pays a 6-decimal token at 15:00-15:02: 50 paid, 10 failed; an amount beyond 2^53.
  clock.t = at(15);
  engine.emit('progress', progress({ distributionId: 'd2', reward: USDC, decimals: 6 }));
  for (let i = 0; i < 8; i++) engine.emit('transaction', { distributionId: 'd2', signature: `t${i}`, recipients: 8, outcome: 'sent', at: now() });
  for (let i = 0; i < 7; i++) engine.emit('transaction', { distributionId: 'd2', signature: `t${i}`, recipients: 8, outcome: 'confirmed', at: now() });
  engine.emit('transaction', { distributionId: 'd2', signature: 't7', recipients: 8, outcome: 'failed', at: now() });
  clock.t = at(15, 2);
  const done2 = progress({ distributionId: 'd2', reward: USDC, decimals: 6, paid: 50, failed: 10, paidAmount: '5000000000000000001', state: 'completed' });
  engine.emit('progress', done2);
  engine.emit('completed', { ...done2, successRate: 50 / 60, durationMs: 2 * MIN, symbol: 'SOL', report: null });

  // Cache: 30 hits, 10 misses. One alert fired. Command latencies.
  clock.t = at(16);
  for (let i = 0; i < 40; i++) recorder.recordCache(i % 2 === 0 ? 'holders' : 'mint', i < 30);
  recorder.recordAlert('distribution_success_rate', 'critical');
  for (let i = 1; i <= 20; i++) recorder.observeCommand(i * 100);

  // 18:00-20:59: CPU 75 % of a core each minute, heap from 100 MB growing to 120 MB.
  for (let m = 0; m < 180; m++) {
    clock.t = at(18, m);
    history.update((b) => {
      b.proc.cpuMicros += 45_000_000;
      b.proc.wallMs += 60_000;
      b.proc.rssMax = Math.max(b.proc.rssMax, 200e6 + m * 1e5);
      b.proc.heapMax = Math.max(b.proc.heapMax, 100e6 + (m * 20e6) / 179);
      b.proc.lagP99Ms = Math.max(b.proc.lagP99Ms, m === 90 ? 120 : 15);
      b.proc.samples += 12;
    });
  }

  // The next local day: must not count either.
  clock.t = at(24, 1);
  for (let i = 0; i < 20; i++) call(9_000);
  engine.emit('progress', progress({ distributionId: 'd3', paid: 5, paidAmount: '5' }));

  recorder.stop();
  await history.stop();
  return { store, clock, history };
}

/** PNG chunks, with their CRCs checked. */
function pngChunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const buf = Buffer.from(png);
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  let off = 8;
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = (crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8)) >>> 0;
    return (c ^ 0xffffffff) >>> 0;
  };
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    expect(buf.readUInt32BE(off + 8 + len)).toBe(crc32(buf.subarray(off + 4, off + 8 + len)));
    chunks.push({ type, data });
    off += 12 + len;
  }
  return chunks;
}

describe('daily report', () => {
  it('totals a local day exactly: counts, amounts as decimal strings, percentiles, throughput and recommendations', async () => {
    const { history } = await syntheticDay();
    const report = await buildDailyReport(history, { date: DATE, timeZone: TZ, ...reportSettings });

    expect(report.start).toBe(DAY_START);
    expect(report.end).toBe(DAY_START + 24 * 60 * MIN);
    expect(report.distributions.started).toBe(2);
    expect(report.distributions.completed).toBe(2);
    expect(report.recipients).toEqual({ paid: 150, failed: 12 });
    expect(report.amounts).toEqual([
      { reward: USDC, decimals: 6, amount: '5000000000000000001' },
      { reward: 'SOL', decimals: 9, amount: '123456789012345678' },
    ]);
    expect(report.successRate).toBeCloseTo(150 / 162, 10);
    expect(report.transactions).toEqual({ sent: 20, confirmed: 18, failed: 2, expired: 0 });

    expect(report.rpc.requests).toBe(1_000);
    expect(report.rpc.errors).toBe(10);
    expect(report.rpc.http429).toBe(6);
    expect(report.rpc.rateLimitedCalls).toBe(3);
    // Log buckets 4 % wide: each percentile is within 4 % above the true one (40 ms, 300 ms, 1.5 s).
    const lat = report.rpc.latencyMs!;
    expect(lat.p50).toBeGreaterThanOrEqual(40);
    expect(lat.p50).toBeLessThanOrEqual(40 * 1.04);
    expect(lat.p95).toBeGreaterThanOrEqual(300);
    expect(lat.p95).toBeLessThanOrEqual(300 * 1.04);
    expect(lat.p99).toBeGreaterThanOrEqual(1_500);
    expect(lat.p99).toBeLessThanOrEqual(1_500 * 1.04);
    expect(lat.max).toBe(4_000);
    expect(lat.avg).toBeCloseTo((900 * 40 + 80 * 300 + 15 * 1_500 + 5 * 4_000) / 1_000, 6);

    // d1 ran 5 min, d2 2 min: 162 settled in 420 s; 20 transactions sent.
    expect(report.throughput.runningSeconds).toBe(420);
    expect(report.throughput.recipientsPerSecond).toBeCloseTo(162 / 420, 10);
    expect(report.throughput.transactionsPerSecond).toBeCloseTo(20 / 420, 10);
    expect(report.cache).toEqual({ hits: 30, misses: 10, hitRate: 0.75 });
    expect(report.commands.count).toBe(20);
    expect(report.system.cpuAvgPercent).toBeCloseTo(75, 6);
    expect(report.system.cpuPeakPercent).toBeCloseTo(75, 6);
    expect(report.system.heapPeakBytes).toBeCloseTo(120e6, 0);
    expect(report.system.heapGrowthPercent).toBeGreaterThan(10);
    expect(report.system.eventLoopLagP99MaxMs).toBe(120);
    expect(report.alerts).toEqual({ total: 1, byRule: [{ ruleId: 'distribution_success_rate', severity: 'critical', count: 1 }] });

    expect(report.hours).toHaveLength(24);
    expect(report.hours[0]!.label).toBe('00');
    expect(report.hours[10]).toMatchObject({ label: '10', txSent: 12, txConfirmed: 11, txFailed: 1, recipientsPaid: 100 });
    expect(report.hours[1]!.rpcRequests).toBe(200);

    expect(report.recommendations.map((r) => [r.category, r.priority])).toEqual([
      ['distribution', 'critical'],
      ['performance', 'high'],
      ['memory', 'medium'],
      ['rpcLimits', 'medium'],
    ]);

    const text = renderReportText(report);
    expect(text.length).toBeLessThan(2_000);
    expect(text).toContain('Daily report 2025-09-18 (Asia/Tokyo)');
    expect(text).toContain('123,456,789.012345678 SOL');
    expect(text).toContain('5,000,000,000,000.000001 EPjF…Dt1v');
    expect(text).toContain('recipients 150 paid, 12 failed');
    expect(text).toContain('Success rate 92.59% (target 95.0%) ❌');
    expect(text).toContain('1,000 requests, 10 errors (1.00%), 6 × 429');
    expect(text).toContain('Below target: d2 83.3% (10 failed)');
    expect(text).not.toMatch(/[*_`]{2}/); // no markdown that one platform would render and the other print
  });

  it('says plainly when a day has no data', async () => {
    const report = await buildDailyReport(new MetricHistory(new Keyv(), historyOptions), { date: DATE, timeZone: TZ, ...reportSettings });
    expect(report.minutesRecorded).toBe(0);
    expect(renderReportText(report)).toContain('No activity recorded');
  });

  it('renders the day as a valid PNG', async () => {
    const { history } = await syntheticDay();
    const report = await buildDailyReport(history, { date: DATE, timeZone: TZ, ...reportSettings });
    const png = await renderDayChart(report, english, { width: 960, height: 540, ...chartSettings });
    writeFileSync('/tmp/tributary-report-chart.png', png);

    const chunks = pngChunks(png);
    expect(chunks[0]!.type).toBe('IHDR');
    const ihdr = chunks[0]!.data;
    expect(ihdr.readUInt32BE(0)).toBe(960);
    expect(ihdr.readUInt32BE(4)).toBe(540);
    expect(chunks.at(-1)!.type).toBe('IEND');
    const bitDepth = ihdr[8]!;
    const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[ihdr[9]! as 0 | 2 | 4 | 6];
    const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
    expect(raw.length).toBe(540 * (1 + (960 * channels * bitDepth) / 8));

    // Decoded, it has the bars' green and the latency line's blue, not just a blank canvas.
    const bitmap = await PImage.decodePNGFromStream(Readable.from([Buffer.from(png)]));
    expect(bitmap.width).toBe(960);
    let green = 0;
    let blue = 0;
    for (let y = 0; y < bitmap.height; y += 2) {
      for (let x = 0; x < bitmap.width; x += 2) {
        const rgba = bitmap.getPixelRGBA(x, y);
        const [r, g, b] = [(rgba >>> 24) & 0xff, (rgba >>> 16) & 0xff, (rgba >>> 8) & 0xff];
        if (r === 0x2d && g === 0xa4 && b === 0x4e) green++;
        if (r === 0x09 && g === 0x69 && b === 0xda) blue++;
      }
    }
    expect(green).toBeGreaterThan(20);
    expect(blue).toBeGreaterThan(5);
  });
});

class Inbox implements OpsNotifier {
  readonly posts: { target: OpsTarget; message: OpsMessage }[] = [];
  async post(target: OpsTarget, message: OpsMessage): Promise<void> {
    this.posts.push({ target, message });
  }
}

describe('report scheduler', () => {
  it('posts the previous day at the configured local time, once, with the chart attached', async () => {
    const { store: historyStore } = await syntheticDay();
    const clock = { t: Date.parse('2025-09-18T23:00:00Z') }; // 08:00 on the 19th in Tokyo
    const now = () => clock.t;
    const history = new MetricHistory(historyStore, { ...historyOptions, now });
    await history.start();
    const state = new Keyv();
    await state.set('last-posted-date', '2025-09-17');
    const inbox = new Inbox();
    const scheduler = new ReportScheduler({
      history,
      store: state,
      notifier: inbox,
      time: '09:00',
      timeZone: TZ,
      targets: ['reports'],
      ...schedulerSettings,
      renderChart: (r: DailyReport, words) => renderDayChart(r, words, chartSettings),
      now,
    });
    expect(scheduler.dueDate()).toBe('2025-09-17');
    await scheduler.check();
    expect(inbox.posts).toHaveLength(0);

    clock.t = Date.parse('2025-09-19T00:00:00Z'); // 09:00 in Tokyo
    expect(scheduler.dueDate()).toBe(DATE);
    await scheduler.check();
    await scheduler.check();
    expect(inbox.posts).toHaveLength(1);
    const posted = inbox.posts[0]!;
    expect(posted.target).toBe('reports');
    expect(opsText(posted.message, 'en')).toContain('Daily report 2025-09-18 (Asia/Tokyo)');
    expect(await posted.message.localizedFiles?.(english, 'en')).toMatchObject([{ name: 'tributary-2025-09-18.png', contentType: 'image/png' }]);
    expect(await scheduler.lastPostedDate()).toBe(DATE);
    await scheduler.stop();
  });

  it('posts a report missed while the process was down once at the next start, and nothing on a first start', async () => {
    const { store: historyStore } = await syntheticDay();
    const clock = { t: Date.parse('2025-09-19T05:00:00Z') }; // 14:00 on the 19th: the 09:00 post was missed
    const now = () => clock.t;
    const history = new MetricHistory(historyStore, { ...historyOptions, now });
    const state = new Keyv();
    await state.set('last-posted-date', '2025-09-16');
    const inbox = new Inbox();
    const make = () => new ReportScheduler({ history, store: state, notifier: inbox, time: '09:00', timeZone: TZ, targets: ['reports'], chart: false, ...schedulerSettings, now });

    const first = make();
    await first.start();
    await first.stop();
    expect(inbox.posts.map((p) => opsText(p.message, 'en').split('\n')[0])).toEqual(['📊 Daily report 2025-09-18 (Asia/Tokyo)']);
    expect(inbox.posts[0]!.message.files).toBeUndefined();
    expect(inbox.posts[0]!.message.localizedFiles).toBeUndefined();

    // Restarted again the same day: already posted.
    const second = make();
    await second.start();
    await second.stop();
    expect(inbox.posts).toHaveLength(1);

    // A brand-new install has nothing to report yet.
    const fresh = new ReportScheduler({ history, store: new Keyv(), notifier: inbox, time: '09:00', timeZone: TZ, targets: ['reports'], ...schedulerSettings, now });
    await fresh.start();
    await fresh.stop();
    expect(inbox.posts).toHaveLength(1);
  });
});
