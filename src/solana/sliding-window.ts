/** A provider-like request budget: so many requests per window overall, per method, and for named methods. */
export interface RateLimitRule {
  /** Requests allowed in any window of `windowMs`, all methods together. */
  requestsPerWindow: number;
  windowMs: number;
  /** Requests of any single method allowed per `windowMs`; undefined for no per-method limit. */
  perMethodPerWindow?: number;
  /** Tighter limits of named methods, e.g. a provider's sendTransaction per second. */
  methods?: Record<string, { requests: number; windowMs: number }>;
}

/** The public mainnet-beta endpoint's published limit (docs/solana-rpc-behaviour.md). */
export const PUBLIC_MAINNET_LIMIT: RateLimitRule = { requestsPerWindow: 100, perMethodPerWindow: 40, windowMs: 10_000 };

/**
 * Sliding-window log, as providers enforce their limits: a request is admitted when fewer than the
 * budget were admitted in the last window. The local chain uses it to refuse. Refused requests do
 * not count. The RPC gateway paces against the same rule from the client's side (PacingWindow),
 * which cannot see when the provider counted a request.
 */
export class SlidingWindowLimiter {
  private readonly all: number[] = [];
  private readonly byMethod = new Map<string, number[]>();

  constructor(readonly rule: RateLimitRule) {}

  /**
   * Admits all of `methods` (one HTTP request, maybe a JSON-RPC batch) or none.
   * Returns 0 when admitted, else the milliseconds until there is room.
   */
  tryAdmit(methods: string[], now = Date.now()): number {
    const wait = this.waitMs(methods, now);
    if (wait > 0) return wait;
    for (const method of methods) {
      this.all.push(now);
      let log = this.byMethod.get(method);
      if (!log) this.byMethod.set(method, (log = []));
      log.push(now);
    }
    return 0;
  }

  /** Milliseconds until `methods` would be admitted; 0 when they would be now. */
  waitMs(methods: string[], now = Date.now()): number {
    const { rule } = this;
    let wait = waitFor(this.all, methods.length, rule.requestsPerWindow, rule.windowMs, now);
    const counts = new Map<string, number>();
    for (const m of methods) counts.set(m, (counts.get(m) ?? 0) + 1);
    for (const [method, n] of counts) {
      const log = this.byMethod.get(method) ?? [];
      if (rule.perMethodPerWindow !== undefined) {
        wait = Math.max(wait, waitFor(log, n, rule.perMethodPerWindow, rule.windowMs, now));
      }
      const specific = rule.methods?.[method];
      if (specific) wait = Math.max(wait, waitFor(log, n, specific.requests, specific.windowMs, now));
    }
    return wait;
  }
}

/** Milliseconds until `n` more entries fit under `limit` in a window ending now. */
function waitFor(log: number[], n: number, limit: number, windowMs: number, now: number): number {
  const since = now - windowMs;
  // Entries older than the longest window are never needed again.
  let stale = 0;
  while (stale < log.length && (log[stale] as number) <= now - 120_000) stale++;
  if (stale > 0) log.splice(0, stale);
  let inWindow = 0;
  for (let i = log.length - 1; i >= 0 && (log[i] as number) > since; i--) inWindow++;
  const excess = inWindow + n - limit;
  if (excess <= 0) return 0;
  if (n > limit) return windowMs;
  const freeing = log[log.length - inWindow + excess - 1] as number;
  return Math.max(1, freeing + windowMs - now);
}
