import { shortAddress } from '../engine/address.js';
import { successRate } from '../engine/events.js';
import { DEFAULT_LOCALE, formatMoney } from '../i18n/index.js';
import { cpuPercent, sumBuckets, type CompletedSummary, type MinuteBucket } from './bucket.js';
import { formatBytes, formatCount, formatMs, formatPercent } from './format.js';
import { mean, quantile } from './latency-histogram.js';
import { durationParam, listParam, msg, type Message } from '../i18n/message.js';
import { SEVERITIES, type Severity } from './config.js';
import { HOUR_MS } from './time.js';
import { localDate, localDayRange, localParts } from '../time/zone.js';

/**
 * The daily performance report (docs/monitoring.md): what a local day's minute buckets add up to, and the
 * design's recommendations. Building is pure arithmetic over the buckets; rendering is a separate function so a
 * chat command can show the same numbers in another shape.
 */

export interface RangeSource {
  range(from: number, to: number): Promise<MinuteBucket[]>;
}

export interface ReportOptions {
  /** Local date "YYYY-MM-DD". */
  date: string;
  /** IANA zone the date is in. */
  timeZone: string;
  /** The config's `monitor.report` (its schema is the one place of their defaults). */
  successRateTarget: number;
  recommend: { cpuAvgPercent: number; memoryGrowthPercent: number; latencyP95Ms: number };
}

export interface HourStat {
  /** Hour start, UTC ms. */
  start: number;
  /** Local hour "00".."23" (a DST day has one missing or repeated). */
  label: string;
  rpcRequests: number;
  rpcP95Ms: number | null;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  recipientsPaid: number;
}

export interface Recommendation {
  /** Codes: the catalogue words them (`report.category.*`, `report.priority.*`). */
  category: 'distribution' | 'performance' | 'memory' | 'network' | 'rpcLimits';
  priority: 'low' | 'medium' | 'high' | 'critical';
  description: Message;
  suggestion: Message;
}

export interface DailyReport {
  date: string;
  timeZone: string;
  /** [start, end) of the local day, UTC ms. */
  start: number;
  end: number;
  /** Minutes that have a bucket: how much of the day the bot was up to record. */
  minutesRecorded: number;
  distributions: { started: number; completed: number; completedList: CompletedSummary[] };
  recipients: { paid: number; failed: number };
  /** Paid by reward, base units as exact decimal strings. */
  amounts: { reward: string; decimals: number; amount: string }[];
  /** paid / (paid + failed); null when nothing was settled. */
  successRate: number | null;
  successRateTarget: number;
  transactions: { sent: number; confirmed: number; failed: number; expired: number };
  rpc: {
    requests: number;
    errors: number;
    errorRate: number | null;
    http429: number;
    rateLimitedCalls: number;
    failovers: number;
    latencyMs: { p50: number; p95: number; p99: number; avg: number; max: number } | null;
  };
  throughput: { runningSeconds: number; recipientsPerSecond: number | null; transactionsPerSecond: number | null };
  cache: { hits: number; misses: number; hitRate: number | null };
  commands: { count: number; p95Ms: number | null };
  system: {
    cpuAvgPercent: number | null;
    cpuPeakPercent: number | null;
    rssPeakBytes: number | null;
    heapPeakBytes: number | null;
    /** Heap of the last hour against the first, percent; null with under two hours of samples. */
    heapGrowthPercent: number | null;
    eventLoopLagP99MaxMs: number | null;
  };
  alerts: { total: number; byRule: { ruleId: string; severity: string; count: number }[] };
  hours: HourStat[];
  recommendations: Recommendation[];
}

export async function buildDailyReport(source: RangeSource, options: ReportOptions): Promise<DailyReport> {
  const { start, end } = localDayRange(options.date, options.timeZone);
  const buckets = (await source.range(start, end)).filter((b) => b.t >= start && b.t < end);
  return summarise(buckets, options, start, end);
}

/** The report of a set of buckets; exported for tests and for "today so far". */
export function summarise(buckets: readonly MinuteBucket[], options: ReportOptions, start: number, end: number): DailyReport {
  const total = sumBuckets(buckets);
  const target = options.successRateTarget;
  const settled = total.recipients.paid + total.recipients.failed;
  const latency = total.rpc.latency;
  const runningSeconds = total.distributions.runningMs / 1000;
  const cacheHits = Object.values(total.cache).reduce((a, c) => a + c.hits, 0);
  const cacheMisses = Object.values(total.cache).reduce((a, c) => a + c.misses, 0);

  const procMinutes = buckets.filter((b) => b.proc.samples > 0).sort((a, b) => a.t - b.t);
  const cpuValues = procMinutes.map((b) => cpuPercent(b)).filter((v): v is number => v !== null);

  const report: DailyReport = {
    date: options.date,
    timeZone: options.timeZone,
    start,
    end,
    minutesRecorded: buckets.length,
    distributions: {
      started: total.distributions.started,
      completed: total.distributions.completed,
      completedList: total.completed,
    },
    recipients: { ...total.recipients },
    amounts: Object.entries(total.paid)
      .map(([reward, p]) => ({ reward, decimals: p.decimals, amount: p.amount }))
      .sort((a, b) => a.reward.localeCompare(b.reward)),
    successRate: successRate(total.recipients.paid, total.recipients.failed),
    successRateTarget: target,
    transactions: { ...total.tx },
    rpc: {
      requests: total.rpc.requests,
      errors: total.rpc.errors,
      errorRate: total.rpc.requests > 0 ? total.rpc.errors / total.rpc.requests : null,
      http429: total.rpc.http429,
      rateLimitedCalls: total.rpc.rateLimitedCalls,
      failovers: total.rpc.failovers,
      latencyMs:
        latency.n === 0
          ? null
          : {
              p50: quantile(latency, 0.5) ?? 0,
              p95: quantile(latency, 0.95) ?? 0,
              p99: quantile(latency, 0.99) ?? 0,
              avg: mean(latency) ?? 0,
              max: latency.max,
            },
    },
    throughput: {
      runningSeconds,
      recipientsPerSecond: runningSeconds > 0 ? settled / runningSeconds : null,
      transactionsPerSecond: runningSeconds > 0 ? total.tx.sent / runningSeconds : null,
    },
    cache: { hits: cacheHits, misses: cacheMisses, hitRate: cacheHits + cacheMisses > 0 ? cacheHits / (cacheHits + cacheMisses) : null },
    commands: { count: total.commands.n, p95Ms: quantile(total.commands, 0.95) },
    system: {
      cpuAvgPercent: cpuValues.length > 0 ? cpuValues.reduce((a, b) => a + b, 0) / cpuValues.length : null,
      cpuPeakPercent: cpuValues.length > 0 ? Math.max(...cpuValues) : null,
      rssPeakBytes: procMinutes.length > 0 ? total.proc.rssMax : null,
      heapPeakBytes: procMinutes.length > 0 ? total.proc.heapMax : null,
      heapGrowthPercent: heapGrowth(procMinutes),
      eventLoopLagP99MaxMs: procMinutes.length > 0 ? total.proc.lagP99Ms : null,
    },
    alerts: {
      total: Object.values(total.alerts).reduce((a, x) => a + x.count, 0),
      byRule: Object.entries(total.alerts)
        .map(([ruleId, a]) => ({ ruleId, severity: a.severity, count: a.count }))
        .sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId)),
    },
    hours: hourly(buckets, start, end, options.timeZone),
    recommendations: [],
  };
  report.recommendations = recommend(report, options.recommend);
  return report;
}

/**
 * The seed's "memory growth": the day's last hour of heap peaks against its first hour. Comparing averages of an
 * hour each, not two single minutes, keeps one GC cycle from reading as a leak.
 */
function heapGrowth(procMinutes: readonly MinuteBucket[]): number | null {
  if (procMinutes.length < 120) return null;
  const avg = (bs: readonly MinuteBucket[]) => bs.reduce((a, b) => a + b.proc.heapMax, 0) / bs.length;
  const first = avg(procMinutes.slice(0, 60));
  const last = avg(procMinutes.slice(-60));
  return first > 0 ? ((last - first) / first) * 100 : null;
}

function hourly(buckets: readonly MinuteBucket[], start: number, end: number, timeZone: string): HourStat[] {
  const hours: HourStat[] = [];
  for (let t = start; t < end; t += HOUR_MS) {
    const inHour = buckets.filter((b) => b.t >= t && b.t < t + HOUR_MS);
    const total = sumBuckets(inHour);
    hours.push({
      start: t,
      label: String(localParts(t, timeZone).hour).padStart(2, '0'),
      rpcRequests: total.rpc.requests,
      rpcP95Ms: quantile(total.rpc.latency, 0.95),
      txSent: total.tx.sent,
      txConfirmed: total.tx.confirmed,
      txFailed: total.tx.failed,
      recipientsPaid: total.recipients.paid,
    });
  }
  return hours;
}

function recommend(r: DailyReport, limits: ReportOptions['recommend']): Recommendation[] {
  const out: Recommendation[] = [];
  const { cpuAvgPercent: cpuLimit, memoryGrowthPercent: memLimit, latencyP95Ms: latencyLimit } = limits;

  if (r.successRate !== null && r.successRate < r.successRateTarget) {
    out.push({
      category: 'distribution',
      priority: 'critical',
      description: msg('report.rec.successRate', { rate: formatPercent(r.successRate), target: formatPercent(r.successRateTarget) }),
      suggestion: msg('report.rec.successRateFix'),
    });
  }
  if (r.system.cpuAvgPercent !== null && r.system.cpuAvgPercent > cpuLimit) {
    out.push({
      category: 'performance',
      priority: 'high',
      description: msg('report.rec.cpu', { cpu: `${r.system.cpuAvgPercent.toFixed(1)}%`, limit: `${cpuLimit}%` }),
      suggestion: msg('report.rec.cpuFix'),
    });
  }
  if (r.system.heapGrowthPercent !== null && r.system.heapGrowthPercent > memLimit) {
    out.push({
      category: 'memory',
      priority: 'medium',
      description: msg('report.rec.memory', { growth: `${r.system.heapGrowthPercent.toFixed(1)}%`, limit: `${memLimit}%` }),
      suggestion: msg('report.rec.memoryFix'),
    });
  }
  // p95 rather than the seed's average: an average hides the slow tail that stalls confirmations.
  if (r.rpc.latencyMs && r.rpc.latencyMs.p95 > latencyLimit) {
    out.push({
      category: 'network',
      priority: 'high',
      description: msg('report.rec.latency', { p95: formatMs(r.rpc.latencyMs.p95), limit: formatMs(latencyLimit) }),
      suggestion: msg('report.rec.latencyFix'),
    });
  }
  if (r.rpc.http429 > 0) {
    out.push({
      category: 'rpcLimits',
      priority: 'medium',
      description: msg('report.rec.limits', { n: formatCount(r.rpc.http429) }),
      suggestion: msg('report.rec.limitsFix'),
    });
  }
  return out;
}

/** A severity in the reader's words; one this version does not know is shown as recorded. */
function severityOf(severity: string): Message | string {
  return (SEVERITIES as readonly string[]).includes(severity) ? msg(`cmd.alerts.severity.${severity as Severity}`) : severity;
}

/** "SOL", or a mint shortened to its first and last four characters. */
export function rewardLabel(reward: string): string {
  return reward === 'SOL' ? reward : shortAddress(reward);
}

/**
 * The report as lines of Messages, for Discord and Telegram alike (no markdown); the chat layer puts
 * them into the channel's words and keeps the text under 2000 characters (src/chat/ops-text.ts).
 */
export function reportLines(r: DailyReport): Message[] {
  const lines: Message[] = [];
  lines.push(msg('report.title', { date: r.date, zone: r.timeZone }));
  if (r.minutesRecorded === 0) {
    lines.push(msg('report.empty'));
    return lines;
  }
  if (r.minutesRecorded < 1_380) lines.push(msg('report.recorded', { minutes: formatCount(r.minutesRecorded), of: Math.round((r.end - r.start) / 60_000) }));

  lines.push(
    msg('report.distributions', {
      started: r.distributions.started,
      completed: r.distributions.completed,
      paid: formatCount(r.recipients.paid),
      failed: formatCount(r.recipients.failed),
    }),
  );
  if (r.successRate !== null) {
    const ok = r.successRate >= r.successRateTarget;
    lines.push(msg('report.successRate', { rate: formatPercent(r.successRate, 2), target: formatPercent(r.successRateTarget), mark: ok ? '✅' : '❌' }));
  }
  if (r.amounts.length > 0) {
    lines.push(
      msg('report.paid', { amounts: r.amounts.map((a) => `${formatMoney(a.amount, a.decimals, DEFAULT_LOCALE, { grouped: true })} ${rewardLabel(a.reward)}`).join(' · ') }),
    );
  }
  if (r.throughput.recipientsPerSecond !== null) {
    lines.push(
      msg('report.throughput', {
        running: durationParam(r.throughput.runningSeconds, { coarse: true }),
        recipients: r.throughput.recipientsPerSecond.toFixed(1),
        transactions: (r.throughput.transactionsPerSecond ?? 0).toFixed(2),
      }),
    );
  }
  const t = r.transactions;
  if (t.sent + t.confirmed + t.failed + t.expired > 0) {
    lines.push(msg('report.transactions', { sent: formatCount(t.sent), confirmed: formatCount(t.confirmed), failed: formatCount(t.failed), expired: formatCount(t.expired) }));
  }
  const rpc = r.rpc;
  const rpcValues = { requests: formatCount(rpc.requests), errors: formatCount(rpc.errors), http429: formatCount(rpc.http429), failovers: rpc.failovers };
  const rate = rpc.errorRate !== null ? formatPercent(rpc.errorRate, 2) : null;
  const rpcKey = rate === null ? (rpc.failovers > 0 ? 'report.rpcFailovers' : 'report.rpc') : rpc.failovers > 0 ? 'report.rpcRateFailovers' : 'report.rpcRate';
  lines.push(msg(rpcKey, { ...rpcValues, ...(rate === null ? {} : { rate }) }));
  if (rpc.latencyMs) {
    lines.push(msg('report.latency', { p50: formatMs(rpc.latencyMs.p50), p95: formatMs(rpc.latencyMs.p95), p99: formatMs(rpc.latencyMs.p99) }));
  }
  if (r.cache.hitRate !== null) {
    lines.push(msg('report.cache', { rate: formatPercent(r.cache.hitRate), hits: formatCount(r.cache.hits), lookups: formatCount(r.cache.hits + r.cache.misses) }));
  }
  if (r.commands.count > 0 && r.commands.p95Ms !== null) {
    lines.push(msg('report.commands', { n: formatCount(r.commands.count), p95: formatMs(r.commands.p95Ms) }));
  }
  const s = r.system;
  if (s.cpuAvgPercent !== null) {
    const system = {
      cpu: `${s.cpuAvgPercent.toFixed(1)}%`,
      peak: `${(s.cpuPeakPercent ?? 0).toFixed(1)}%`,
      rss: formatBytes(s.rssPeakBytes ?? 0),
      heap: formatBytes(s.heapPeakBytes ?? 0),
      lag: formatMs(s.eventLoopLagP99MaxMs ?? 0),
    };
    lines.push(
      s.heapGrowthPercent === null
        ? msg('report.system', system)
        : msg('report.systemGrowth', { ...system, growth: `${s.heapGrowthPercent >= 0 ? '+' : ''}${s.heapGrowthPercent.toFixed(1)}%` }),
    );
  }
  lines.push(
    r.alerts.total > 0
      ? msg('report.alerts', {
          total: r.alerts.total,
          rules: listParam(r.alerts.byRule.map((a) => msg('report.alertRule', { rule: a.ruleId, severity: severityOf(a.severity), count: a.count }))),
        })
      : msg('report.noAlerts'),
  );
  const below = r.distributions.completedList.filter((d) => d.successRate < r.successRateTarget);
  if (below.length > 0) {
    lines.push(msg('report.below', { list: listParam(below.map((d) => msg('report.belowOne', { id: d.id, rate: formatPercent(d.successRate), failed: d.failed }))) }));
  }
  if (r.recommendations.length > 0) {
    lines.push(msg('report.recommendations'));
    for (const rec of r.recommendations) {
      lines.push(
        msg('report.recommendation', {
          priority: msg(`report.priority.${rec.priority}`),
          category: msg(`report.category.${rec.category}`),
          description: rec.description,
          suggestion: rec.suggestion,
        }),
      );
    }
  } else {
    lines.push(msg('report.noRecommendations'));
  }
  return lines;
}

/** The local date before the one `now` falls on: the day a morning report covers. */
export function previousLocalDate(now: number, timeZone: string): string {
  const today = localDate(now, timeZone);
  const { start } = localDayRange(today, timeZone);
  return localDate(start - 1, timeZone);
}
