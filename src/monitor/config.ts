import { z } from 'zod';
import { AGGREGATIONS, ALERT_METRICS, ALERT_METRIC_NAMES, type AlertMetric } from './alert-metrics.js';
import { isUtc, zoneName } from '../time/zone.js';

/**
 * Monitoring configuration, mounted by the config loader under `monitor`. The /metrics server's host and
 * port are the top-level `http` section's (one place for them, with TRIBUTARY_HTTP_PORT), not repeated here.
 * Every field has a default, so `monitorConfigSchema.parse(undefined)` is a working configuration;
 * bad values are rejected here, once, with a message that says what to write instead.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const OPERATORS = ['gt', 'lt', 'gte', 'lte'] as const;
export type Operator = (typeof OPERATORS)[number];
export const TARGETS = ['alerts', 'reports'] as const;
export type Target = (typeof TARGETS)[number];

const MINUTE = 60_000;

const ruleFields = {
  /** Metric from the catalogue in alert-metrics.ts. */
  metric: z.enum(ALERT_METRIC_NAMES as [AlertMetric, ...AlertMetric[]]),
  /** How the window's values become one number; allowed values depend on the metric's kind. */
  aggregation: z.enum(AGGREGATIONS),
  /** Evaluation window in ms, at one-minute resolution (the window covers every minute bucket it touches). */
  windowMs: z
    .number()
    .int()
    .min(MINUTE)
    .max(24 * 60 * MINUTE),
  operator: z.enum(OPERATORS),
  threshold: z.number().finite(),
  severity: z.enum(SEVERITIES),
  /** Channel kinds the alert is posted to. */
  targets: z.array(z.enum(TARGETS)).min(1),
  enabled: z.boolean(),
  /** Below this many samples (attempts for a rate, observations for a latency) the rule sees "no data" and neither fires nor holds. */
  minSamples: z.number().int().min(0),
  /** Optional words for the alert message, e.g. what to check first. */
  hint: z.string().max(300).optional(),
};

/** A complete rule: what the alert manager evaluates. */
export const alertRuleSchema = z
  .object({
    id: z.string(),
    metric: ruleFields.metric,
    aggregation: ruleFields.aggregation.default('avg'),
    windowMs: ruleFields.windowMs.default(5 * MINUTE),
    operator: ruleFields.operator,
    threshold: ruleFields.threshold,
    severity: ruleFields.severity.default('medium'),
    targets: ruleFields.targets.default(['alerts']),
    enabled: ruleFields.enabled.default(true),
    minSamples: ruleFields.minSamples.default(1),
    hint: ruleFields.hint,
  })
  .superRefine((rule, ctx) => {
    const info = ALERT_METRICS[rule.metric];
    if (!(info.aggregations as readonly string[]).includes(rule.aggregation)) {
      ctx.addIssue({
        code: 'custom',
        path: ['aggregation'],
        message: `aggregation "${rule.aggregation}" does not apply to ${rule.metric} (a ${info.kind} metric); use one of: ${info.aggregations.join(', ')}`,
      });
    }
  });

export type AlertRule = z.output<typeof alertRuleSchema>;

/**
 * The design's rules (docs/monitoring.md) plus the ones a distribution bot needs.
 * A user's config overrides them field by field by id, e.g.
 * `monitor.alerts.rules.rpc_error_rate.threshold: 0.1` or `...cpu_high.enabled: false`.
 */
export const DEFAULT_ALERT_RULES: readonly z.input<typeof alertRuleSchema>[] = [
  {
    // The design's SLA: 95 % of payments succeed, over 15 min, critical.
    id: 'distribution_success_rate',
    metric: 'distribution_success_rate',
    aggregation: 'avg',
    windowMs: 15 * MINUTE,
    operator: 'lt',
    threshold: 0.95,
    severity: 'critical',
    // 20 settled recipients: one isolated bad address in the first batch should not page anyone.
    minSamples: 20,
  },
  {
    id: 'rpc_error_rate',
    metric: 'rpc_error_rate',
    aggregation: 'avg',
    windowMs: 5 * MINUTE,
    operator: 'gt',
    threshold: 0.05,
    severity: 'high',
    minSamples: 20,
  },
  {
    // The seed allows 2 s for a 100-account batch fetch: a p95 above that is slower than any target.
    id: 'rpc_latency_p95',
    metric: 'rpc_latency_ms',
    aggregation: 'p95',
    windowMs: 5 * MINUTE,
    operator: 'gt',
    threshold: 2_000,
    severity: 'medium',
    minSamples: 20,
  },
  {
    // Pacing should keep 429s at zero; more than 1 % of calls means the lane limits are above the provider's.
    id: 'rpc_429_rate',
    metric: 'rpc_429_rate',
    aggregation: 'avg',
    windowMs: 5 * MINUTE,
    operator: 'gt',
    threshold: 0.01,
    severity: 'medium',
    minSamples: 20,
  },
  {
    id: 'distributor_sol_low',
    metric: 'distributor_sol_coverage',
    aggregation: 'min',
    windowMs: MINUTE,
    operator: 'lt',
    threshold: 1,
    severity: 'high',
    minSamples: 1,
  },
  {
    id: 'distribution_stalled',
    metric: 'distribution_stall_ms',
    aggregation: 'max',
    windowMs: MINUTE,
    operator: 'gt',
    threshold: 10 * MINUTE,
    severity: 'high',
    minSamples: 1,
  },
  {
    // The seed's ceiling: 1 GB at most.
    id: 'process_rss_high',
    metric: 'process_rss_bytes',
    aggregation: 'avg',
    windowMs: 5 * MINUTE,
    operator: 'gt',
    threshold: 1024 ** 3,
    severity: 'high',
    minSamples: 1,
  },
  {
    // Discord wants an answer within 3 s; a loop that lags half a second is already eating that.
    id: 'event_loop_lag',
    metric: 'event_loop_lag_p99_ms',
    aggregation: 'avg',
    windowMs: 5 * MINUTE,
    operator: 'gt',
    threshold: 500,
    severity: 'medium',
    minSamples: 1,
  },
  {
    // The seed's high_cpu_usage: 80 % average over 5 min.
    id: 'cpu_high',
    metric: 'cpu_percent',
    aggregation: 'avg',
    windowMs: 5 * MINUTE,
    operator: 'gt',
    threshold: 80,
    severity: 'high',
    minSamples: 1,
  },
];

const ruleOverrideSchema = z.object(ruleFields).partial().strict();

const rulesSchema = z
  .record(z.string().regex(/^[a-z0-9_]{1,64}$/, 'rule ids are lower-case letters, digits and _'), ruleOverrideSchema)
  .prefault({})
  .transform((overrides, ctx): AlertRule[] => {
    const merged = new Map<string, Record<string, unknown>>();
    for (const rule of DEFAULT_ALERT_RULES) merged.set(rule.id, { ...rule });
    for (const [id, override] of Object.entries(overrides)) {
      const base = merged.get(id);
      if (!base && (override.metric === undefined || override.operator === undefined || override.threshold === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [id],
          message: `rule "${id}" is not a default rule, so it needs at least metric, operator and threshold`,
        });
        continue;
      }
      merged.set(id, { ...base, ...stripUndefined(override), id });
    }
    const rules: AlertRule[] = [];
    for (const [id, input] of merged) {
      const parsed = alertRuleSchema.safeParse(input);
      if (parsed.success) rules.push(parsed.data);
      else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: [id, ...issue.path] });
    }
    return rules;
  });

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** True when Intl knows the zone; the check costs one formatter, done once at load. */
export function isValidTimeZone(timeZone: string): boolean {
  // UTC, the default, without Intl (see isUtc in src/time/zone.ts); a name as written, not trimmed.
  return isUtc(timeZone) || (timeZone.trim() === timeZone && zoneName(timeZone) !== null);
}

const timeZoneSchema = z.string().refine(isValidTimeZone, {
  error: (issue) => `unknown time zone "${String(issue.input)}"; use an IANA name such as "Asia/Tokyo" or "UTC"`,
});

export const monitorConfigSchema = z
  .strictObject({
    /** How often alert rules are evaluated, ms. Default 5000: a dropping success rate is seen within seconds. */
    evaluationIntervalMs: z
      .number()
      .int()
      .min(250)
      .max(10 * MINUTE)
      .default(5_000),
    /** An active, unacknowledged alert is posted again after this long, ms. Default 1 h. */
    reminderIntervalMs: z
      .number()
      .int()
      .min(MINUTE)
      .default(60 * MINUTE),

    metrics: z
      .strictObject({
        /** Prefix of every Prometheus metric name. Default "tributary_". */
        prefix: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus name prefix: letters, digits, _ and :')
          .default('tributary_'),
        /** Also export prom-client's process and Node.js metrics. Default true. */
        collectDefault: z.boolean().default(true),
        /** Sampling resolution of the event-loop delay monitor, ms. Default 20. */
        eventLoopResolutionMs: z.number().int().min(1).max(1_000).default(20),
      })
      .prefault({}),

    history: z
      .strictObject({
        /** Days of minute buckets kept in the store. Default 8: a week of reports plus the day in progress. */
        retentionDays: z.number().int().min(2).max(90).default(8),
        /** Write the buckets of the current hour to the store this often, ms. Default 60000. */
        flushIntervalMs: z
          .number()
          .int()
          .min(1_000)
          .max(10 * MINUTE)
          .default(MINUTE),
        /** Sample CPU, memory and event-loop delay this often, ms. Default 5000. */
        sampleIntervalMs: z.number().int().min(250).max(MINUTE).default(5_000),
      })
      .prefault({}),

    alerts: z
      .strictObject({
        /** Post alerts at all. Default true. */
        enabled: z.boolean().default(true),
        /** Overrides of the default rules by id, or new rules. See DEFAULT_ALERT_RULES. */
        rules: rulesSchema,
      })
      .prefault({}),

    report: z
      .strictObject({
        /** Post the daily report. Default true. */
        enabled: z.boolean().default(true),
        /** Local time the previous day's report is posted, "HH:MM". Default "09:00". */
        time: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time "HH:MM", e.g. "09:00"')
          .default('09:00'),
        /** IANA time zone that defines both "the day" and the posting time, e.g. "Asia/Tokyo". Default "UTC". */
        timeZone: timeZoneSchema.default('UTC'),
        /** Channel kinds the report goes to. Default ["reports"]. */
        targets: z.array(z.enum(TARGETS)).min(1).default(['reports']),
        /** Attach a PNG chart of the day. Default true. */
        chart: z.boolean().default(true),
        /** Distribution success rate target. Default 0.95 (the design's SLA). */
        successRateTarget: z.number().min(0).max(1).default(0.95),
        /** How often the scheduler checks whether a report is due, ms. Default 30000. */
        checkIntervalMs: z
          .number()
          .int()
          .min(1_000)
          .max(10 * MINUTE)
          .default(30_000),
        recommend: z
          .strictObject({
            /** Recommend work on CPU when the day's average exceeds this, percent of one core. Default 70. */
            cpuAvgPercent: z.number().positive().default(70),
            /** Recommend a memory investigation when heap grows more than this over the day, percent. Default 10. */
            memoryGrowthPercent: z.number().positive().default(10),
            /** Recommend RPC work when the day's p95 latency exceeds this, ms. Default 1000. */
            latencyP95Ms: z.number().positive().default(1_000),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .prefault({});

export type MonitorConfig = z.output<typeof monitorConfigSchema>;

/** What a config file may say: every field optional. */
export type MonitorConfigInput = z.input<typeof monitorConfigSchema>;
