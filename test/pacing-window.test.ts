import { describe, expect, it } from 'vitest';
import { PacingWindow } from '../src/solana/pacing-window.js';
import { SlidingWindowLimiter, type RateLimitRule } from '../src/solana/sliding-window.js';
import { seededRandom } from '../src/localnet/random.js';

interface Sim {
  /** The provider's own log, shared by every client of the simulation. */
  server: SlidingWindowLimiter;
  /** 429 answers so far. */
  refused: number;
}

/**
 * One client sending `count` requests of `method` through `pacer`, on simulated time from `start`,
 * as RateGate does: at most `maxConcurrent` in flight, each sent as soon as the pacer has room, a
 * 429 pauses until Retry-After and the request goes again. The provider counts a request `lag()` ms
 * after it was sent (time on the way, a queue in front of its limiter, a busy event loop) and
 * answers `answerMs` later. Returns when the last answer arrived.
 */
function run(sim: Sim, pacer: PacingWindow, opts: { start: number; count: number; method?: string; maxConcurrent: number; lag: () => number; answerMs?: number }): number {
  const methods = [opts.method ?? 'getBalance'];
  type Event = { at: number; kind: 'count' | 'answer'; refusedFor?: number };
  const events: Event[] = [];
  let t = opts.start;
  let waiting = opts.count;
  let inflight = 0;
  let pausedUntil = -Infinity;
  for (let guard = 0; waiting > 0 || events.length > 0; guard++) {
    if (guard > 1_000_000) throw new Error('simulation did not end');
    let wake = Infinity;
    while (waiting > 0 && inflight < opts.maxConcurrent) {
      const wait = t < pausedUntil ? pausedUntil - t : pacer.tryAcquire(methods, t);
      if (wait > 0) {
        wake = t + wait;
        break;
      }
      waiting--;
      inflight++;
      events.push({ at: t + opts.lag(), kind: 'count' });
    }
    events.sort((a, b) => a.at - b.at);
    const next = events[0];
    if (!next || wake < next.at) {
      if (wake === Infinity) throw new Error('stuck: nothing in flight and no room');
      t = wake;
      continue;
    }
    events.shift();
    t = Math.max(t, next.at);
    if (next.kind === 'count') {
      const wait = sim.server.tryAdmit(methods, next.at);
      events.push({ at: next.at + (opts.answerMs ?? 5), kind: 'answer', ...(wait > 0 ? { refusedFor: wait } : {}) });
    } else {
      inflight--;
      pacer.settle(methods, t);
      if (next.refusedFor !== undefined) {
        sim.refused++;
        // The provider's Retry-After, measured from when it refused.
        const retryAfter = Math.max(0, next.refusedFor - (opts.answerMs ?? 5));
        pacer.refused(methods, retryAfter, t);
        pausedUntil = Math.max(pausedUntil, t + retryAfter);
        waiting++;
      }
    }
  }
  return t;
}

const rule: RateLimitRule = { requestsPerWindow: 10, perMethodPerWindow: 6, windowMs: 1_000 };

describe('PacingWindow against a provider that counts requests late', () => {
  it('counts a request from its answer, so no lag between send and count draws a 429', () => {
    const random = seededRandom(3);
    const sim: Sim = { server: new SlidingWindowLimiter(rule), refused: 0 };
    // Lags of up to 1.5 windows, drawn afresh for each request: far beyond any fixed margin.
    const end = run(sim, new PacingWindow(rule, { budgetAtStart: 'empty', now: 0 }), { start: 0, count: 120, maxConcurrent: 8, lag: () => random() * 1_500 });
    expect(sim.refused).toBe(0);
    // 120 requests of one method at 6 a window: at least 19 windows, and no slower than 3 windows' worth per 6.
    expect(end).toBeGreaterThan(19 * 1_000);
    expect(end).toBeLessThan(120 * (1_000 + 1_500));
  });

  it('refuses nothing when a restarted client starts after its predecessor spent the window (starting full)', () => {
    // The ramp assumes the predecessor paced itself; lags that bunch its last window up by more than
    // the ramp's slack (a tenth of the window) can still draw a 429, which `refused` then handles.
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seededRandom(seed);
      const sim: Sim = { server: new SlidingWindowLimiter(rule), refused: 0 };
      const lag = () => random() * 20;
      const first = run(sim, new PacingWindow(rule, { now: 0 }), { start: 0, count: 40, maxConcurrent: 8, lag });
      // The restart: a new pacer, nothing known of what the old one sent.
      run(sim, new PacingWindow(rule, { now: first }), { start: first, count: 40, maxConcurrent: 8, lag });
      expect(sim.refused, `seed ${seed}`).toBe(0);
    }
  });

  it('a restarted client that assumes an empty window draws 429s (why the default is full)', () => {
    const sim: Sim = { server: new SlidingWindowLimiter(rule), refused: 0 };
    const first = run(sim, new PacingWindow(rule, { budgetAtStart: 'empty', now: 0 }), { start: 0, count: 40, maxConcurrent: 8, lag: () => 1 });
    run(sim, new PacingWindow(rule, { budgetAtStart: 'empty', now: first }), { start: first, count: 40, maxConcurrent: 8, lag: () => 1 });
    expect(sim.refused).toBeGreaterThan(0);
  });

  it('after a 429 from traffic it did not know of, treats the window as full instead of trying again at once', () => {
    for (const spread of [0, 500, 990]) {
      const sim: Sim = { server: new SlidingWindowLimiter(rule), refused: 0 };
      // Another process on the same key spent the whole budget over the last `spread` ms.
      for (let i = 9; i >= 0; i--) expect(sim.server.tryAdmit([`other${i}`], -1 - (spread * i) / 10)).toBe(0);
      const pacer = new PacingWindow(rule, { budgetAtStart: 'empty', now: 0 });
      run(sim, pacer, { start: 0, count: 30, maxConcurrent: 1, lag: () => 2 });
      expect(sim.refused, `spread ${spread}`).toBe(1);
      expect(pacer.marginMs).toBeGreaterThan(50);
    }
  });

  it('holds a request while the window is full of requests in flight, until one is answered', () => {
    const pacer = new PacingWindow({ requestsPerWindow: 2, windowMs: 1_000 }, { budgetAtStart: 'empty', marginMs: 0, now: 0 });
    expect(pacer.tryAcquire(['a'], 0)).toBe(0);
    expect(pacer.tryAcquire(['b'], 0)).toBe(0);
    expect(pacer.tryAcquire(['c'], 5_000)).toBe(Infinity);
    pacer.settle(['a'], 5_000);
    // Answered at 5 s: it counts from then, however early it was sent.
    expect(pacer.tryAcquire(['c'], 5_000)).toBe(1_000);
    expect(pacer.tryAcquire(['c'], 6_000)).toBe(0);
  });

  it('starting full, admits one request per window/limit (and a tenth) through the first window, then runs at the budget', () => {
    const pacer = new PacingWindow({ requestsPerWindow: 4, windowMs: 1_000 }, { marginMs: 0, now: 0 });
    const sent: number[] = [];
    for (let t = 0; sent.length < 8; t++) {
      if (pacer.tryAcquire(['a'], t) === 0) {
        sent.push(t);
        pacer.settle(['a'], t);
      }
    }
    expect(sent).toEqual([275, 550, 825, 1_100, 1_275, 1_550, 1_825, 2_100]);
  });
});
