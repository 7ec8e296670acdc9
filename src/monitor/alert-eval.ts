import { ALERT_METRICS, type Aggregation, type AlertMetric } from './alert-metrics.js';
import { cpuPercent, type MinuteBucket } from './bucket.js';
import { successRate } from '../engine/events.js';
import type { AlertRule, Operator } from './config.js';
import { formatPercent } from './format.js';
import { amountParam, msg, type Message } from '../i18n/message.js';
import { mean, mergeAll, quantile, type LatencyHistogram } from './latency-histogram.js';
import { MINUTE_MS } from './time.js';

/**
 * Turns a rule and its window into one number. Pure: the alert manager supplies the minute buckets and the
 * live state, so every rule can be tested without timers or a store.
 */

export interface RunningDistribution {
  id: string;
  paid: number;
  failed: number;
  /** When paid/failed last changed (or the run was first seen), ms. */
  lastChangeAt: number;
}

export interface LiveState {
  now: number;
  running: readonly RunningDistribution[];
  /** Distributor SOL in lamports against what the next planned distribution needs; undefined until fed. */
  sol?: { available: bigint; required: bigint } | undefined;
}

export interface RuleValue {
  value: number;
  /** What minSamples is compared with: attempts for a rate, observations for a latency, minutes for a gauge. */
  samples: number;
  /** A few words on where the value comes from, for the message. */
  /** What the value is made of, in words the chat layer chooses. */
  detail?: Message;
}

/** Buckets that overlap [now - windowMs, now]. */
export function windowBuckets(buckets: readonly MinuteBucket[], windowMs: number, now: number): MinuteBucket[] {
  const from = now - windowMs;
  return buckets.filter((b) => b.t + MINUTE_MS > from && b.t <= now);
}

/** Null means "no data" (fewer samples than the rule's minSamples): the rule neither fires nor holds. */
export function evaluateRule(rule: AlertRule, buckets: readonly MinuteBucket[], live: LiveState): RuleValue | null {
  const inWindow = windowBuckets(buckets, rule.windowMs, live.now);
  const result = measure(rule.metric, rule.aggregation, inWindow, live, rule);
  if (!result || result.samples < rule.minSamples || !Number.isFinite(result.value)) return null;
  return result;
}

export function compare(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case 'gt':
      return value > threshold;
    case 'lt':
      return value < threshold;
    case 'gte':
      return value >= threshold;
    case 'lte':
      return value <= threshold;
  }
}

function measure(metric: AlertMetric, aggregation: Aggregation, buckets: readonly MinuteBucket[], live: LiveState, rule: AlertRule): RuleValue | null {
  switch (metric) {
    case 'distribution_success_rate':
      return successRateValue(buckets, live, rule);
    case 'rpc_error_rate':
      return ratio(
        sum(buckets, (b) => b.rpc.errors),
        sum(buckets, (b) => b.rpc.requests),
        'calls',
      );
    case 'rpc_429_rate':
      return ratio(
        sum(buckets, (b) => b.rpc.rateLimitedCalls),
        sum(buckets, (b) => b.rpc.requests),
        'calls',
      );
    case 'cache_hit_rate': {
      let hits = 0;
      let lookups = 0;
      for (const b of buckets) {
        for (const c of Object.values(b.cache)) {
          hits += c.hits;
          lookups += c.hits + c.misses;
        }
      }
      return ratio(hits, lookups, 'lookups');
    }
    case 'rpc_latency_ms':
      return distribution(mergeAll(buckets.map((b) => b.rpc.latency)), aggregation);
    case 'command_latency_ms':
      return distribution(mergeAll(buckets.map((b) => b.commands)), aggregation);
    case 'rpc_requests':
      return counter(
        buckets.map((b) => b.rpc.requests),
        aggregation,
        rule.windowMs,
      );
    case 'rpc_errors':
      return counter(
        buckets.map((b) => b.rpc.errors),
        aggregation,
        rule.windowMs,
      );
    case 'rpc_429':
      return counter(
        buckets.map((b) => b.rpc.http429),
        aggregation,
        rule.windowMs,
      );
    case 'tx_failed':
      return counter(
        buckets.map((b) => b.tx.failed),
        aggregation,
        rule.windowMs,
      );
    case 'tx_expired':
      return counter(
        buckets.map((b) => b.tx.expired),
        aggregation,
        rule.windowMs,
      );
    case 'recipients_failed':
      return counter(
        buckets.map((b) => b.recipients.failed),
        aggregation,
        rule.windowMs,
      );
    case 'cpu_percent':
      return gauge(
        procBuckets(buckets).map((b) => cpuPercent(b) ?? 0),
        aggregation,
      );
    case 'process_rss_bytes':
      return gauge(
        procBuckets(buckets).map((b) => b.proc.rssMax),
        aggregation,
      );
    case 'heap_used_bytes':
      return gauge(
        procBuckets(buckets).map((b) => b.proc.heapMax),
        aggregation,
      );
    case 'event_loop_lag_p99_ms':
      return gauge(
        procBuckets(buckets).map((b) => b.proc.lagP99Ms),
        aggregation,
      );
    case 'distributor_sol_coverage': {
      if (!live.sol) return null;
      const { available, required } = live.sol;
      // Computed on bigint and only the ratio becomes a float: the lamport amounts stay exact in the text.
      const value = required <= 0n ? Number.POSITIVE_INFINITY : Number((available * 1_000_000n) / required) / 1e6;
      return {
        value: Number.isFinite(value) ? value : Number.MAX_VALUE,
        samples: 1,
        detail: msg('alert.detail.solCoverage', { available: amountParam(available, 9, 'SOL', { grouped: true }), needed: amountParam(required, 9, 'SOL', { grouped: true }) }),
      };
    }
    case 'distribution_stall_ms': {
      if (live.running.length === 0) return null;
      const stalls = live.running.map((d) => ({ id: d.id, ms: Math.max(0, live.now - d.lastChangeAt) }));
      const worst = stalls.reduce((a, b) => (b.ms > a.ms ? b : a));
      const g = gauge(
        stalls.map((s) => s.ms),
        aggregation,
      );
      return g && { ...g, detail: msg('alert.detail.stall', { id: worst.id, seconds: Math.round(worst.ms / 1000) }) };
    }
  }
}

/**
 * Over the window, and on every running distribution (its cumulative counts): the worst rate with enough
 * samples counts. A running distribution is checked on its own because its drop would otherwise be diluted
 * by a healthy earlier run inside the same 15 minutes, and it is what an operator can still pause.
 */
function successRateValue(buckets: readonly MinuteBucket[], live: LiveState, rule: AlertRule): RuleValue | null {
  const candidates: RuleValue[] = [];
  const paid = sum(buckets, (b) => b.recipients.paid);
  const failed = sum(buckets, (b) => b.recipients.failed);
  const settled = paid + failed;
  const windowRate = successRate(paid, failed);
  if (windowRate !== null && settled >= rule.minSamples) {
    candidates.push({
      value: windowRate,
      samples: settled,
      detail: msg('alert.detail.windowPaid', { minutes: Math.round(rule.windowMs / MINUTE_MS), paid, settled }),
    });
  }
  for (const d of live.running) {
    const n = d.paid + d.failed;
    const rate = successRate(d.paid, d.failed);
    if (rate !== null && n >= rule.minSamples) {
      candidates.push({ value: rate, samples: n, detail: msg('alert.detail.runningPaid', { id: d.id, paid: d.paid, settled: n, percent: formatPercent(rate) }) });
    }
  }
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (b.value < a.value ? b : a));
}

function ratio(numerator: number, denominator: number, what: 'calls' | 'lookups'): RuleValue | null {
  if (denominator === 0) return null;
  return { value: numerator / denominator, samples: denominator, detail: msg(`alert.detail.${what}`, { part: numerator, total: denominator }) };
}

function distribution(h: LatencyHistogram, aggregation: Aggregation): RuleValue | null {
  if (h.n === 0) return null;
  const value =
    aggregation === 'p50'
      ? quantile(h, 0.5)
      : aggregation === 'p95'
        ? quantile(h, 0.95)
        : aggregation === 'p99'
          ? quantile(h, 0.99)
          : aggregation === 'max'
            ? h.max
            : aggregation === 'min'
              ? h.min
              : aggregation === 'count'
                ? h.n
                : mean(h);
  return value === null ? null : { value, samples: h.n, detail: msg('alert.detail.observations', { count: h.n }) };
}

function counter(values: readonly number[], aggregation: Aggregation, windowMs: number): RuleValue | null {
  const total = values.reduce((a, b) => a + b, 0);
  const samples = values.length;
  if (aggregation === 'rate') return { value: total / (windowMs / 1000), samples, detail: msg('alert.detail.inWindow', { count: total }) };
  if (aggregation === 'count') return { value: values.filter((v) => v > 0).length, samples, detail: msg('alert.detail.minutesWithEvents') };
  return { value: total, samples, detail: msg('alert.detail.inWindow', { count: total }) };
}

function gauge(values: readonly number[], aggregation: Aggregation): RuleValue | null {
  if (values.length === 0) return null;
  const value = aggregation === 'max' ? Math.max(...values) : aggregation === 'min' ? Math.min(...values) : values.reduce((a, b) => a + b, 0) / values.length;
  return { value, samples: values.length };
}

function procBuckets(buckets: readonly MinuteBucket[]): MinuteBucket[] {
  return buckets.filter((b) => b.proc.samples > 0);
}

function sum(buckets: readonly MinuteBucket[], f: (b: MinuteBucket) => number): number {
  let total = 0;
  for (const b of buckets) total += f(b);
  return total;
}

/** Unit of a rule's metric, for messages. */
export function unitOf(metric: AlertMetric) {
  return ALERT_METRICS[metric].unit;
}
