import type { RateLimitRule } from './sliding-window.js';

/**
 * What the provider's window held when the pacer started. 'full': a previous process (a restart,
 * a crash, another instance on the same key) may have just spent the whole budget, which the
 * provider still counts; the first window then admits requests only at the budget's steady pace
 * (one per window/limit), so a restart draws no 429s, and costs nothing once a window has passed.
 * 'empty': the endpoint is known to have served nothing in the last window (a local chain that
 * was just started), so the first window may burst. A predecessor that sent in bursts can still
 * draw a 429 from a 'full' start: `refused` then takes over.
 */
export type BudgetAtStart = 'full' | 'empty';

export interface PacingWindowOptions {
  /** Default 'full'. */
  budgetAtStart?: BudgetAtStart;
  /**
   * Added to every window. Requests are counted from when their answer arrived, which is never
   * before the provider counted them, so no margin is needed for the time a request spends on the
   * way or in the provider's queue; this covers clocks that tick differently and the jitter of other
   * traffic on the same budget. Default 50 ms. A 429 doubles it (once a window), up to a tenth of
   * the window.
   */
  marginMs?: number;
  now?: number;
}

/** Entries spaced evenly: `count` requests at `from`, `from + step`, ... that we did not send but the provider counts. */
interface Ramp {
  from: number;
  step: number;
  count: number;
}

/** One limit of the rule (all methods, one method, or a named method's own limit) and our log against it. */
interface Budget {
  limit: number;
  windowMs: number;
  /** When the answers of our requests arrived, oldest first. */
  settled: number[];
  /** Our requests sent and not answered yet: the provider may count them at any moment until they are. */
  inflight: number;
  ramp: Ramp | null;
}

const DEFAULT_MARGIN_MS = 50;

/**
 * The client's picture of a provider's sliding-window budget, used to pace so that the provider
 * never has to refuse. It differs from the provider's own log (SlidingWindowLimiter) in three ways,
 * each because the client cannot see when the provider counts a request:
 *
 * - A request counts from when its answer arrived (the later of send and answer), not from when it
 *   was sent: the provider counted it somewhere in between. Counting from the send, as this pacer
 *   did, lost whenever one request spent longer on the way or in the provider's queue than the next
 *   (a busy machine, a slow network), and no fixed margin bounds that. Until its answer arrives a
 *   request holds its place in every window.
 * - It may start full (BudgetAtStart), because the provider still counts what a previous process sent.
 * - A 429 says the provider's window is full now, whatever our log says (another process on the same
 *   key, a restart, a provider that counts differently): `refused` fills the window with the requests
 *   it did not know about, the oldest freeing when Retry-After says and the rest at the budget's
 *   steady pace, and widens the margin.
 */
export class PacingWindow {
  private readonly all: Budget;
  private readonly byMethod = new Map<string, Budget[]>();
  private readonly startedAt: number;
  private readonly startFull: boolean;
  private readonly maxMarginMs: number;
  private margin: number;
  private widenedAt = -Infinity;

  constructor(
    readonly rule: RateLimitRule,
    opts: PacingWindowOptions = {},
  ) {
    this.startedAt = opts.now ?? Date.now();
    this.startFull = (opts.budgetAtStart ?? 'full') === 'full';
    this.margin = opts.marginMs ?? DEFAULT_MARGIN_MS;
    const longest = Math.max(rule.windowMs, ...Object.values(rule.methods ?? {}).map((m) => m.windowMs));
    this.maxMarginMs = Math.max(this.margin, Math.round(longest / 10));
    this.all = this.budget(rule.requestsPerWindow, rule.windowMs);
  }

  /** The margin now, in milliseconds (it grows with each 429). */
  get marginMs(): number {
    return this.margin;
  }

  /**
   * Takes room for all of `methods` (one HTTP request, maybe a JSON-RPC batch) or none. Returns 0
   * when taken (the request is then in flight until `settle`), else the milliseconds until there may
   * be room; Infinity when only an answer to a request in flight can make room.
   */
  tryAcquire(methods: string[], now = Date.now()): number {
    const wait = this.waitMs(methods, now);
    if (wait > 0) return wait;
    this.all.inflight += methods.length;
    for (const method of methods) for (const b of this.budgetsOf(method)) b.inflight += 1;
    return 0;
  }

  /** The answer to an acquired request arrived, or the attempt ended without one: it counts from now. */
  settle(methods: string[], now = Date.now()): void {
    for (let k = 0; k < methods.length; k++) release(this.all, now);
    for (const method of methods) for (const b of this.budgetsOf(method)) release(b, now);
  }

  /**
   * The provider answered 429 at `now` (after `settle` of that request): its window is full. The
   * oldest request we did not know about frees after `retryAfterMs`, the others at the steady pace.
   */
  refused(methods: string[], retryAfterMs: number | null, now = Date.now()): void {
    // One widening per window: the requests in flight when the window filled are refused together.
    if (now >= this.widenedAt + this.rule.windowMs) {
      this.margin = Math.min(this.maxMarginMs, Math.max(this.margin * 2, DEFAULT_MARGIN_MS));
      this.widenedAt = now;
    }
    const budgets = new Set([this.all, ...methods.flatMap((m) => this.budgetsOf(m))]);
    for (const b of budgets) {
      const windowMs = b.windowMs + this.margin;
      const ours = countAfter(b.settled, now - windowMs) + b.inflight;
      const missing = b.limit - ours;
      if (missing <= 0) {
        b.ramp = null;
        continue;
      }
      const firstFree = now + Math.min(Math.max(retryAfterMs ?? 0, 0), b.windowMs);
      const from = firstFree - windowMs;
      b.ramp = { from, step: (now - from) / missing, count: missing };
    }
  }

  /** Milliseconds until `methods` could be acquired; 0 when they can be now. */
  waitMs(methods: string[], now = Date.now()): number {
    let wait = waitFor(this.all, methods.length, this.margin, now);
    const counts = new Map<string, number>();
    for (const m of methods) counts.set(m, (counts.get(m) ?? 0) + 1);
    for (const [method, n] of counts) {
      for (const b of this.budgetsOf(method)) wait = Math.max(wait, waitFor(b, n, this.margin, now));
    }
    return wait;
  }

  private budgetsOf(method: string): Budget[] {
    let list = this.byMethod.get(method);
    if (!list) {
      list = [];
      const { rule } = this;
      if (rule.perMethodPerWindow !== undefined) list.push(this.budget(rule.perMethodPerWindow, rule.windowMs));
      const specific = rule.methods?.[method];
      if (specific) list.push(this.budget(specific.requests, specific.windowMs));
      this.byMethod.set(method, list);
    }
    return list;
  }

  private budget(limit: number, windowMs: number): Budget {
    const b: Budget = { limit, windowMs, settled: [], inflight: 0, ramp: null };
    if (this.startFull && limit > 0) {
      // A full window at start, spent at the steady pace up to now: one request frees up after
      // window/limit, then one per window/limit. A predecessor that paced itself this way (this
      // pacer, restarted) and we together put no more than the limit into any window, as long as
      // the provider counted its requests with less jitter than the slack: a tenth of the window
      // (or the margin, if larger), which slows the first window by as much.
      const step = (windowMs + Math.max(this.margin, Math.round(windowMs / 10))) / limit;
      // Entry j leaves the window (windowMs + margin) at start + (j + 1) * step.
      b.ramp = { from: this.startedAt + step - (windowMs + this.margin), step, count: limit };
    }
    return b;
  }
}

function release(b: Budget, now: number): void {
  b.inflight = Math.max(0, b.inflight - 1);
  const last = b.settled[b.settled.length - 1];
  b.settled.push(last !== undefined && last > now ? last : now);
}

/** Entries of a sorted log later than `since`. */
function countAfter(log: number[], since: number): number {
  let n = 0;
  for (let i = log.length - 1; i >= 0 && (log[i] as number) > since; i--) n++;
  return n;
}

/** Ramp entries later than `since`. */
function rampAfter(ramp: Ramp | null, since: number): { first: number; count: number } {
  if (!ramp || ramp.count <= 0) return { first: 0, count: 0 };
  if (ramp.step <= 0) return ramp.from > since ? { first: 0, count: ramp.count } : { first: 0, count: 0 };
  // Entry j is later than `since` when from + j*step > since.
  const first = Math.max(0, Math.floor((since - ramp.from) / ramp.step) + 1);
  return { first, count: Math.max(0, ramp.count - first) };
}

/** Milliseconds until `n` more requests fit in budget `b`'s window ending now. */
function waitFor(b: Budget, n: number, marginMs: number, now: number): number {
  const windowMs = b.windowMs + marginMs;
  const since = now - windowMs;
  // Entries older than any window we could use again are never needed.
  let stale = 0;
  while (stale < b.settled.length && (b.settled[stale] as number) <= now - 2 * windowMs) stale++;
  if (stale > 0) b.settled.splice(0, stale);
  if (b.ramp && b.ramp.from + (b.ramp.count - 1) * b.ramp.step <= now - 2 * windowMs) b.ramp = null;

  const settledIn = countAfter(b.settled, since);
  const ramp = rampAfter(b.ramp, since);
  const inWindow = settledIn + ramp.count + b.inflight;
  // A batch larger than the whole budget can only go into an empty window (and the provider will refuse it).
  const excess = n > b.limit ? inWindow : inWindow + n - b.limit;
  if (excess <= 0) return 0;
  if (excess > settledIn + ramp.count) return Infinity;
  // The excess-th entry to leave the window, merging our answered requests with the ramp's.
  let i = b.settled.length - settledIn;
  let j = ramp.first;
  let leaving = since;
  for (let k = 0; k < excess; k++) {
    const s = i < b.settled.length ? (b.settled[i] as number) : Infinity;
    const r = b.ramp && j < b.ramp.count ? b.ramp.from + j * b.ramp.step : Infinity;
    if (s <= r) {
      leaving = s;
      i++;
    } else {
      leaving = r;
      j++;
    }
  }
  return Math.max(1, Math.ceil(leaving + windowMs - now));
}
