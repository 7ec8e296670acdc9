/** A provider-like request budget: so many requests per window overall and per method. */
export interface RateLimitRule {
  /** Requests allowed in any window of `windowMs`, all methods together. */
  requestsPerWindow: number;
  /** Requests of any single method allowed per window; undefined for no per-method limit. */
  perMethodPerWindow?: number;
  windowMs: number;
}

/** The public mainnet-beta endpoint's published limit (FACTS.md). */
export const PUBLIC_MAINNET_LIMIT: RateLimitRule = { requestsPerWindow: 100, perMethodPerWindow: 40, windowMs: 10_000 };

/**
 * Sliding-window log, as providers enforce it: a request is admitted when fewer than the budget
 * were admitted in the last window. Refused requests do not count.
 */
export class SlidingWindowLimiter {
  private readonly all: number[] = [];
  private readonly byMethod = new Map<string, number[]>();

  constructor(readonly rule: RateLimitRule) {}

  /**
   * Admits all of `methods` (one HTTP request, maybe a JSON-RPC batch) or none.
   * Returns 0 when admitted, else the milliseconds until enough of the window frees up.
   */
  tryAdmit(methods: string[], now = Date.now()): number {
    const since = now - this.rule.windowMs;
    prune(this.all, since);
    let waitMs = waitFor(this.all, methods.length, this.rule.requestsPerWindow, this.rule.windowMs, now);
    const perMethod = this.rule.perMethodPerWindow;
    if (perMethod !== undefined) {
      const counts = new Map<string, number>();
      for (const m of methods) counts.set(m, (counts.get(m) ?? 0) + 1);
      for (const [method, n] of counts) {
        const log = this.byMethod.get(method) ?? [];
        prune(log, since);
        waitMs = Math.max(waitMs, waitFor(log, n, perMethod, this.rule.windowMs, now));
      }
    }
    if (waitMs > 0) return waitMs;
    for (const method of methods) {
      this.all.push(now);
      let log = this.byMethod.get(method);
      if (!log) this.byMethod.set(method, (log = []));
      log.push(now);
    }
    return 0;
  }
}

function prune(log: number[], since: number): void {
  let i = 0;
  while (i < log.length && (log[i] as number) <= since) i++;
  if (i > 0) log.splice(0, i);
}

/** Milliseconds until `n` more entries fit under `limit` in a window; Infinity-safe for n > limit. */
function waitFor(log: number[], n: number, limit: number, windowMs: number, now: number): number {
  const excess = log.length + n - limit;
  if (excess <= 0) return 0;
  if (n > limit) return windowMs;
  const freeing = log[excess - 1] as number;
  return Math.max(1, freeing + windowMs - now);
}
