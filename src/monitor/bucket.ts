import { emptyHistogram, mergeInto, type LatencyHistogram } from './latency-histogram.js';

/**
 * What one minute of operation leaves behind for alerts and reports. JSON-safe on purpose
 * (numbers, strings, plain objects): any Keyv adapter stores it, and money stays exact as
 * decimal strings of base units, added as bigint.
 */
export interface MinuteBucket {
  /** Minute start, UTC ms. */
  t: number;
  rpc: {
    requests: number;
    errors: number;
    /** Calls that met at least one 429 (for the 429 rate). */
    rateLimitedCalls: number;
    /** 429 answers in all (a call may meet several before it succeeds). */
    http429: number;
    failovers: number;
    latency: LatencyHistogram;
    queueMsMax: number;
  };
  tx: { sent: number; confirmed: number; failed: number; expired: number };
  recipients: { paid: number; failed: number };
  /** Paid amounts by reward ("SOL" or a mint), base units as a decimal string. */
  paid: Record<string, { decimals: number; amount: string }>;
  distributions: {
    started: number;
    completed: number;
    /** Wall time in this minute during which at least one distribution was running, for throughput. */
    runningMs: number;
  };
  /** Distributions that completed in this minute (a handful a day at most). */
  completed: CompletedSummary[];
  snapshots: { count: number; holdersMax: number; durationMsMax: number };
  cache: Record<string, { hits: number; misses: number }>;
  commands: LatencyHistogram;
  proc: {
    /** CPU time of the process, microseconds, and the wall time it was measured over, ms. */
    cpuMicros: number;
    wallMs: number;
    rssMax: number;
    heapMax: number;
    lagP99Ms: number;
    lagMaxMs: number;
    /** Process samples taken: 0 means the proc fields carry nothing. */
    samples: number;
  };
  /** Alerts that fired in this minute, by rule id. */
  alerts: Record<string, { severity: string; count: number }>;
}

export interface CompletedSummary {
  id: string;
  reward: string;
  decimals: number;
  paid: number;
  failed: number;
  paidAmount: string;
  successRate: number;
  durationMs: number;
}

export function emptyBucket(t: number): MinuteBucket {
  return {
    t,
    rpc: { requests: 0, errors: 0, rateLimitedCalls: 0, http429: 0, failovers: 0, latency: emptyHistogram(), queueMsMax: 0 },
    tx: { sent: 0, confirmed: 0, failed: 0, expired: 0 },
    recipients: { paid: 0, failed: 0 },
    paid: {},
    distributions: { started: 0, completed: 0, runningMs: 0 },
    completed: [],
    snapshots: { count: 0, holdersMax: 0, durationMsMax: 0 },
    cache: {},
    commands: emptyHistogram(),
    proc: { cpuMicros: 0, wallMs: 0, rssMax: 0, heapMax: 0, lagP99Ms: 0, lagMaxMs: 0, samples: 0 },
    alerts: {},
  };
}

export function addAmount(bucket: MinuteBucket, reward: string, decimals: number, amount: bigint): void {
  if (amount === 0n) return;
  const prev = bucket.paid[reward];
  bucket.paid[reward] = { decimals, amount: ((prev ? BigInt(prev.amount) : 0n) + amount).toString() };
}

/**
 * Adds `from` into `into`: counts and amounts add, peaks take the max, histograms merge.
 * Used to total a day for the report and to fold a bucket loaded from the store into one
 * that started filling before the load finished.
 */
export function mergeBucket(into: MinuteBucket, from: MinuteBucket): void {
  const r = into.rpc;
  r.requests += from.rpc.requests;
  r.errors += from.rpc.errors;
  r.rateLimitedCalls += from.rpc.rateLimitedCalls;
  r.http429 += from.rpc.http429;
  r.failovers += from.rpc.failovers;
  r.queueMsMax = Math.max(r.queueMsMax, from.rpc.queueMsMax);
  mergeInto(r.latency, from.rpc.latency);
  into.tx.sent += from.tx.sent;
  into.tx.confirmed += from.tx.confirmed;
  into.tx.failed += from.tx.failed;
  into.tx.expired += from.tx.expired;
  into.recipients.paid += from.recipients.paid;
  into.recipients.failed += from.recipients.failed;
  for (const [reward, p] of Object.entries(from.paid)) addAmount(into, reward, p.decimals, BigInt(p.amount));
  into.distributions.started += from.distributions.started;
  into.distributions.completed += from.distributions.completed;
  into.distributions.runningMs += from.distributions.runningMs;
  into.completed.push(...from.completed);
  into.snapshots.count += from.snapshots.count;
  into.snapshots.holdersMax = Math.max(into.snapshots.holdersMax, from.snapshots.holdersMax);
  into.snapshots.durationMsMax = Math.max(into.snapshots.durationMsMax, from.snapshots.durationMsMax);
  for (const [name, c] of Object.entries(from.cache)) {
    const mine = (into.cache[name] ??= { hits: 0, misses: 0 });
    mine.hits += c.hits;
    mine.misses += c.misses;
  }
  mergeInto(into.commands, from.commands);
  const p = into.proc;
  p.cpuMicros += from.proc.cpuMicros;
  p.wallMs += from.proc.wallMs;
  p.rssMax = Math.max(p.rssMax, from.proc.rssMax);
  p.heapMax = Math.max(p.heapMax, from.proc.heapMax);
  p.lagP99Ms = Math.max(p.lagP99Ms, from.proc.lagP99Ms);
  p.lagMaxMs = Math.max(p.lagMaxMs, from.proc.lagMaxMs);
  p.samples += from.proc.samples;
  for (const [rule, a] of Object.entries(from.alerts)) {
    const mine = (into.alerts[rule] ??= { severity: a.severity, count: 0 });
    mine.count += a.count;
  }
}

export function sumBuckets(buckets: Iterable<MinuteBucket>, t = 0): MinuteBucket {
  const total = emptyBucket(t);
  for (const b of buckets) mergeBucket(total, b);
  return total;
}

/** CPU use of one bucket, percent of one core; null when no sample landed in it. */
export function cpuPercent(b: MinuteBucket): number | null {
  return b.proc.wallMs > 0 ? (b.proc.cpuMicros / 1000 / b.proc.wallMs) * 100 : null;
}
