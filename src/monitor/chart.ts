import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { msg, type Message } from '../i18n/message.js';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as PImage from 'pureimage';
import { formatCount, formatMs, formatPercent } from './format.js';
import type { DailyReport, HourStat } from './report.js';

/**
 * A PNG of the day for the report message: transactions per hour (bars) above RPC latency p95 per hour (line).
 *
 * Drawn with pureimage, which is plain JavaScript: nothing to download or compile at install time and the same
 * pixels on every machine. Its text needs a TrueType file, taken from the dejavu-fonts-ttf package so a bare
 * container with no system fonts still gets labels. DejaVu has no Japanese glyphs: a label with any is drawn
 * with a Japanese font when one is installed (IPAex Gothic, the Debian package fonts-ipaexfont-gothic that the
 * Dockerfile installs, or the TrueType file TRIBUTARY_CJK_FONT names); without one its Japanese shows as boxes.
 */

const FAMILY = 'TributaryDejaVuSans';
const CJK_FAMILY = 'TributaryCjk';
const CJK_FONTS = ['/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf', '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf'];
const CJK_TEXT = /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]/;
let fontReady = false;
let cjkReady = false;

function ensureFont(): void {
  if (fontReady) return;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  PImage.registerFont(join(dir, 'ttf', 'DejaVuSans.ttf'), FAMILY).loadSync();
  const cjk = [process.env['TRIBUTARY_CJK_FONT'], ...CJK_FONTS].find((path): path is string => Boolean(path) && existsSync(path as string));
  if (cjk) {
    PImage.registerFont(cjk, CJK_FAMILY).loadSync();
    cjkReady = true;
  }
  fontReady = true;
}

/** The family that can draw `s`. */
function familyOf(s: string): string {
  return cjkReady && CJK_TEXT.test(s) ? CJK_FAMILY : FAMILY;
}

export interface ChartOptions {
  /** Default 960. */
  width?: number;
  /** Default 540. */
  height?: number;
  /** Latency line drawn as a target, ms: the report's recommendation threshold (config `monitor.report.recommend.latencyP95Ms`). */
  latencyTargetMs: number;
}

const COLORS = {
  background: '#ffffff',
  text: '#1f2328',
  muted: '#6e7781',
  grid: '#e6e8eb',
  axis: '#8c959f',
  confirmed: '#2da44e',
  failed: '#cf222e',
  latency: '#0969da',
  target: '#bf8700',
};

type Ctx = ReturnType<ReturnType<typeof PImage.make>['getContext']>;

/**
 * The day as a PNG. Its words are Messages put into words by `say`, the reader's catalogue (the chat
 * layer binds it to the channel's language).
 */
export async function renderDayChart(report: DailyReport, say: (m: Message) => string, options: ChartOptions): Promise<Uint8Array> {
  ensureFont();
  const width = options.width ?? 960;
  const height = options.height ?? 540;
  const target = options.latencyTargetMs;
  const img = PImage.make(width, height);
  const ctx = img.getContext('2d');

  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, width, height);

  text(ctx, say(msg('chart.title', { date: report.date, zone: report.timeZone })), 24, 34, 20, COLORS.text);
  const summary = [
    say(msg('chart.paid', { n: formatCount(report.recipients.paid) })),
    say(report.successRate === null ? msg('chart.noSettled') : msg('chart.success', { rate: formatPercent(report.successRate, 2) })),
    say(msg('chart.calls', { n: formatCount(report.rpc.requests) })),
    say(report.rpc.latencyMs ? msg('chart.p95', { ms: formatMs(report.rpc.latencyMs.p95) }) : msg('chart.noLatency')),
  ].join('  ·  ');
  text(ctx, summary, 24, 58, 13, COLORS.muted);

  const left = 72;
  const right = width - 24;
  const panelGap = 56;
  const top1 = 92;
  const panelHeight = (height - top1 - panelGap - 48) / 2;
  const top2 = top1 + panelHeight + panelGap;
  const hours = report.hours;

  // Panel 1: transactions per hour, confirmed and failed stacked.
  const txMax = niceMax(Math.max(0, ...hours.map((h) => h.txConfirmed + h.txFailed)));
  text(ctx, say(msg('chart.transactions')), left, top1 - 10, 14, COLORS.text);
  legend(ctx, right, top1 - 14, [
    [say(msg('chart.confirmed')), COLORS.confirmed],
    [say(msg('chart.failed')), COLORS.failed],
  ]);
  axes(ctx, left, top1, right, top1 + panelHeight, txMax, (v) => formatCount(v));
  const slot = (right - left) / Math.max(1, hours.length);
  const barWidth = Math.max(2, slot * 0.7);
  hours.forEach((h, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    const base = top1 + panelHeight;
    const yOf = (v: number) => (v / txMax) * panelHeight;
    const confirmed = yOf(h.txConfirmed);
    const failed = yOf(h.txFailed);
    if (confirmed > 0) {
      ctx.fillStyle = COLORS.confirmed;
      ctx.fillRect(x, base - confirmed, barWidth, confirmed);
    }
    if (failed > 0) {
      ctx.fillStyle = COLORS.failed;
      ctx.fillRect(x, base - confirmed - failed, barWidth, failed);
    }
  });
  hourLabels(ctx, hours, left, slot, top1 + panelHeight + 16);

  // Panel 2: RPC latency p95 per hour; hours without calls leave a gap in the line.
  const latencies = hours.map((h) => h.rpcP95Ms).filter((v): v is number => v !== null);
  const observedMax = Math.max(0, ...latencies);
  // The target line is drawn only when latency comes near it; otherwise it would flatten the curve to the floor.
  const showTarget = observedMax > target / 2;
  const latMax = niceMax(Math.max(observedMax, showTarget ? target : 0));
  text(ctx, say(msg('chart.latency')), left, top2 - 10, 14, COLORS.text);
  legend(
    ctx,
    right,
    top2 - 14,
    showTarget
      ? [
          ['p95', COLORS.latency],
          [say(msg('chart.target', { ms: formatMs(target) })), COLORS.target],
        ]
      : [['p95', COLORS.latency]],
  );
  axes(ctx, left, top2, right, top2 + panelHeight, latMax, (v) => formatMs(v));
  const yLat = (v: number) => top2 + panelHeight - (v / latMax) * panelHeight;
  if (showTarget) dashed(ctx, left, yLat(target), right, COLORS.target);
  ctx.strokeStyle = COLORS.latency;
  ctx.fillStyle = COLORS.latency;
  ctx.lineWidth = 2;
  let previous: { x: number; y: number } | undefined;
  hours.forEach((h, i) => {
    if (h.rpcP95Ms === null) {
      previous = undefined;
      return;
    }
    const point = { x: left + i * slot + slot / 2, y: yLat(h.rpcP95Ms) };
    if (previous) {
      ctx.beginPath();
      ctx.moveTo(previous.x, previous.y);
      ctx.lineTo(point.x, point.y);
      ctx.stroke();
    }
    ctx.fillRect(point.x - 2.5, point.y - 2.5, 5, 5);
    previous = point;
  });
  hourLabels(ctx, hours, left, slot, top2 + panelHeight + 16);
  text(ctx, say(msg('chart.hour', { zone: report.timeZone })), right - 120, height - 10, 11, COLORS.muted);

  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await PImage.encodePNGToStream(img, out);
  return new Uint8Array(Buffer.concat(chunks));
}

function text(ctx: Ctx, s: string, x: number, y: number, size: number, color: string): void {
  ctx.fillStyle = color;
  ctx.font = `${size}px ${familyOf(s)}`;
  ctx.fillText(s, x, y);
}

function textWidth(ctx: Ctx, s: string, size: number): number {
  ctx.font = `${size}px ${familyOf(s)}`;
  return ctx.measureText(s).width;
}

function axes(ctx: Ctx, x0: number, y0: number, x1: number, y1: number, max: number, label: (v: number) => string): void {
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const v = (max / ticks) * i;
    const y = y1 - ((y1 - y0) / ticks) * i;
    ctx.fillStyle = i === 0 ? COLORS.axis : COLORS.grid;
    ctx.fillRect(x0, Math.round(y), x1 - x0, 1);
    const s = label(v);
    text(ctx, s, x0 - 8 - textWidth(ctx, s, 11), y + 4, 11, COLORS.muted);
  }
  ctx.fillStyle = COLORS.axis;
  ctx.fillRect(x0, y0, 1, y1 - y0);
}

function hourLabels(ctx: Ctx, hours: readonly HourStat[], left: number, slot: number, y: number): void {
  hours.forEach((h, i) => {
    if (i % 3 !== 0) return;
    const s = `${h.label}:00`;
    text(ctx, s, left + i * slot + slot / 2 - textWidth(ctx, s, 11) / 2, y, 11, COLORS.muted);
  });
}

function legend(ctx: Ctx, right: number, y: number, items: [string, string][]): void {
  let x = right;
  for (const [label, color] of [...items].reverse()) {
    const w = textWidth(ctx, label, 12);
    x -= w;
    text(ctx, label, x, y + 4, 12, COLORS.text);
    x -= 16;
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 5, 10, 10);
    x -= 18;
  }
}

function dashed(ctx: Ctx, x0: number, y: number, x1: number, color: string): void {
  ctx.fillStyle = color;
  for (let x = x0; x < x1; x += 10) ctx.fillRect(x, Math.round(y), Math.min(6, x1 - x), 1.5);
}

/**
 * Axis maximum for four ticks: four times a round step (a short list of round multiples of a power of ten, never below 1),
 * so every tick label is a whole, readable number.
 */
export function niceMax(v: number): number {
  const x = v / 4;
  if (!(x > 1)) return 4;
  const power = 10 ** Math.floor(Math.log10(x));
  for (const m of power >= 10 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10] : [1, 2, 3, 4, 5, 6, 8, 10]) if (m * power >= x) return 4 * m * power;
  return 40 * power;
}
