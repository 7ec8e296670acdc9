/**
 * A mergeable, JSON-safe latency histogram for the minute history.
 *
 * Why not keep the samples: a busy minute has thousands of RPC calls and a day's report needs p99 over
 * 1,440 minutes. Why not Prometheus-style fixed buckets: with 10-20 buckets a p95 of "somewhere between
 * 1 and 2 s" cannot tell whether the design's 1 s target was met. Log-spaced buckets 4 % apart give every
 * percentile within 4 % of the true value (always on the high side), in a few dozen sparse entries per minute,
 * and two histograms merge by adding counts.
 */

/** Bucket k holds values in (R^(k-1), R^k] ms; bucket 0 holds everything up to 1 ms. */
const R = 1.04;
const LOG_R = Math.log(R);

export interface LatencyHistogram {
  /** Observations. */
  n: number;
  /** Sum of observed values, ms (for the average). */
  sum: number;
  min: number;
  max: number;
  /** Sparse bucket counts by bucket index. */
  b: Record<string, number>;
}

export function emptyHistogram(): LatencyHistogram {
  return { n: 0, sum: 0, min: 0, max: 0, b: {} };
}

export function bucketIndex(ms: number): number {
  if (!(ms > 1)) return 0;
  // The small epsilon keeps exact powers of R in their own bucket despite floating-point log error.
  return Math.ceil(Math.log(ms) / LOG_R - 1e-9);
}

export function bucketUpperBound(index: number): number {
  return index <= 0 ? 1 : R ** index;
}

export function observe(h: LatencyHistogram, ms: number): void {
  const v = Number.isFinite(ms) && ms > 0 ? ms : 0;
  h.min = h.n === 0 ? v : Math.min(h.min, v);
  h.max = h.n === 0 ? v : Math.max(h.max, v);
  h.n += 1;
  h.sum += v;
  const k = String(bucketIndex(v));
  h.b[k] = (h.b[k] ?? 0) + 1;
}

/** Adds `from` into `into`. */
export function mergeInto(into: LatencyHistogram, from: LatencyHistogram): void {
  if (from.n === 0) return;
  into.min = into.n === 0 ? from.min : Math.min(into.min, from.min);
  into.max = into.n === 0 ? from.max : Math.max(into.max, from.max);
  into.n += from.n;
  into.sum += from.sum;
  for (const [k, c] of Object.entries(from.b)) into.b[k] = (into.b[k] ?? 0) + c;
}

export function mergeAll(hs: Iterable<LatencyHistogram>): LatencyHistogram {
  const out = emptyHistogram();
  for (const h of hs) mergeInto(out, h);
  return out;
}

/**
 * The q-quantile (0 < q <= 1): the upper bound of the bucket holding the ceil(q*n)-th smallest observation,
 * clamped to the observed min and max. Null when empty.
 */
export function quantile(h: LatencyHistogram, q: number): number | null {
  if (h.n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.n));
  const keys = Object.keys(h.b)
    .map(Number)
    .sort((a, b) => a - b);
  let cumulative = 0;
  for (const k of keys) {
    cumulative += h.b[String(k)] ?? 0;
    if (cumulative >= rank) return Math.min(h.max, Math.max(h.min, bucketUpperBound(k)));
  }
  return h.max;
}

export function mean(h: LatencyHistogram): number | null {
  return h.n === 0 ? null : h.sum / h.n;
}
