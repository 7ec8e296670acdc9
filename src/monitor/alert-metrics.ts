/**
 * The catalogue of metrics an alert rule can name, and what each aggregation means for it.
 *
 * Kept apart from the rule lifecycle (alerts.ts) and from the config schema so both can check a rule
 * against one list: a rule that names an unknown metric or an aggregation that makes no sense for it
 * (a p95 of a success rate) is rejected when the config is loaded, not at 3 a.m.
 */

export type Aggregation = 'avg' | 'max' | 'min' | 'sum' | 'count' | 'rate' | 'p50' | 'p95' | 'p99';
export const AGGREGATIONS = ['avg', 'max', 'min', 'sum', 'count', 'rate', 'p50', 'p95', 'p99'] as const;

/**
 * - ratio: numerator / denominator summed over the window ("avg" = the attempt-weighted average);
 *   samples = the denominator, so a rate over zero attempts is "no data", never 0 %.
 * - counter: events per minute bucket; "sum" over the window, "rate" per second, "count" = minutes with events.
 * - distribution: values merged from the minute histograms; percentiles, avg, max, count.
 * - gauge: one value per minute bucket (a peak or an average of that minute); avg/max/min over minutes.
 * - live: the current value fed by the app (no history); window is ignored.
 */
export type MetricKind = 'ratio' | 'counter' | 'distribution' | 'gauge' | 'live';

export type MetricUnit = 'ratio' | 'count' | 'ms' | 'bytes' | 'percent' | 'coverage';

export interface MetricInfo {
  kind: MetricKind;
  unit: MetricUnit;
  aggregations: readonly Aggregation[];
  description: string;
}

const RATIO = ['avg'] as const;
const COUNTER = ['sum', 'rate', 'count'] as const;
const DISTRIBUTION = ['avg', 'max', 'min', 'count', 'p50', 'p95', 'p99'] as const;
const GAUGE = ['avg', 'max', 'min'] as const;

export const ALERT_METRICS = {
  distribution_success_rate: {
    kind: 'ratio',
    unit: 'ratio',
    aggregations: RATIO,
    description: 'recipients paid / (paid + failed) over the window; also checked on every running distribution (cumulative), the worst counts',
  },
  rpc_error_rate: { kind: 'ratio', unit: 'ratio', aggregations: RATIO, description: 'failed RPC calls / RPC calls' },
  rpc_429_rate: {
    kind: 'ratio',
    unit: 'ratio',
    aggregations: RATIO,
    description: 'RPC calls that met at least one 429 / RPC calls',
  },
  cache_hit_rate: { kind: 'ratio', unit: 'ratio', aggregations: RATIO, description: 'cache hits / lookups, all caches' },
  rpc_latency_ms: {
    kind: 'distribution',
    unit: 'ms',
    aggregations: DISTRIBUTION,
    description: 'RPC call duration, first attempt to final answer',
  },
  command_latency_ms: {
    kind: 'distribution',
    unit: 'ms',
    aggregations: DISTRIBUTION,
    description: 'chat command received to first reply',
  },
  rpc_requests: { kind: 'counter', unit: 'count', aggregations: COUNTER, description: 'RPC calls' },
  rpc_errors: { kind: 'counter', unit: 'count', aggregations: COUNTER, description: 'failed RPC calls' },
  rpc_429: { kind: 'counter', unit: 'count', aggregations: COUNTER, description: '429 answers' },
  tx_failed: { kind: 'counter', unit: 'count', aggregations: COUNTER, description: 'transactions failed on chain' },
  tx_expired: { kind: 'counter', unit: 'count', aggregations: COUNTER, description: 'transactions expired unconfirmed' },
  recipients_failed: { kind: 'counter', unit: 'count', aggregations: COUNTER, description: 'recipients finally failed' },
  cpu_percent: {
    kind: 'gauge',
    unit: 'percent',
    aggregations: GAUGE,
    description: 'process CPU time / wall time per minute, percent of one core',
  },
  process_rss_bytes: { kind: 'gauge', unit: 'bytes', aggregations: GAUGE, description: 'peak resident set size per minute' },
  heap_used_bytes: { kind: 'gauge', unit: 'bytes', aggregations: GAUGE, description: 'peak V8 heap used per minute' },
  event_loop_lag_p99_ms: {
    kind: 'gauge',
    unit: 'ms',
    aggregations: GAUGE,
    description: 'event-loop delay p99 per minute',
  },
  distributor_sol_coverage: {
    kind: 'live',
    unit: 'coverage',
    aggregations: GAUGE,
    description: 'distributor SOL available / SOL the next planned distribution needs (fed by setDistributorSolNeed)',
  },
  distribution_stall_ms: {
    kind: 'live',
    unit: 'ms',
    aggregations: GAUGE,
    description: 'time since a running distribution last settled anything (max over running distributions)',
  },
} as const satisfies Record<string, MetricInfo>;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as AlertMetric[];

export function metricInfo(metric: AlertMetric): MetricInfo {
  return ALERT_METRICS[metric];
}
