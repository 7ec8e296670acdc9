import { seededRandom } from './random.js';

/** Rates (0..1) of faults the local chain injects, per HTTP request unless said otherwise. */
export interface FaultRates {
  /** Answer HTTP 429 with Retry-After although the budget is not spent. */
  rateLimited?: number;
  /** Answer HTTP 503. */
  serverError?: number;
  /** Process the request, then never answer (the socket is closed after `timeoutMs`). */
  timeout?: number;
  /** Per sendTransaction: answer with the signature but never land the transaction. */
  dropTransaction?: number;
  /** Per sendTransaction: land the transaction as failed (a program error), so nobody in it is paid. */
  failTransaction?: number;
  /**
   * Per sendTransaction: show the transaction failed at `processed` on a fork that is then
   * abandoned, after which the same bytes land for real (docs/solana-rpc-behaviour.md, Forks).
   */
  forkFail?: number;
  /** How long a timed-out request hangs before its socket is destroyed. Default 15 s. */
  timeoutMs?: number;
}

export type FaultKind = 'rateLimited' | 'serverError' | 'timeout';

export class FaultInjector {
  private readonly random: () => number;

  constructor(
    public rates: FaultRates = {},
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  /** The fault to inject into one HTTP request, if any. */
  pickRequestFault(): FaultKind | null {
    const r = this.random();
    let edge = 0;
    for (const kind of ['rateLimited', 'serverError', 'timeout'] as const) {
      edge += this.rates[kind] ?? 0;
      if (r < edge) return kind;
    }
    return null;
  }

  shouldFailTransaction(): boolean {
    const rate = this.rates.failTransaction ?? 0;
    return rate > 0 && this.random() < rate;
  }

  shouldForkFail(): boolean {
    const rate = this.rates.forkFail ?? 0;
    return rate > 0 && this.random() < rate;
  }

  shouldDropTransaction(): boolean {
    const rate = this.rates.dropTransaction ?? 0;
    return rate > 0 && this.random() < rate;
  }

  get timeoutMs(): number {
    return this.rates.timeoutMs ?? 15_000;
  }
}

/** Parses `429=0.1,5xx=0.05,timeout=0.02,drop=0.05,fail=0.01,fork=0.05` (the `--faults` flag). */
export function parseFaults(spec: string): FaultRates {
  const keys: Record<string, keyof FaultRates> = {
    '429': 'rateLimited',
    '5xx': 'serverError',
    timeout: 'timeout',
    drop: 'dropTransaction',
    fail: 'failTransaction',
    fork: 'forkFail',
    timeoutMs: 'timeoutMs',
  };
  const rates: FaultRates = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    const key = name ? keys[name] : undefined;
    const n = Number(value);
    if (!key || value === undefined || !Number.isFinite(n) || n < 0 || (key !== 'timeoutMs' && n > 1)) {
      throw new Error(`--faults: "${part}" is not NAME=RATE with NAME one of 429, 5xx, timeout, drop, fail, fork (rates 0..1) or timeoutMs=MS`);
    }
    rates[key] = n;
  }
  return rates;
}

/** Parses `100/10s,method=40` or `public-mainnet` (the `--rate-limit` flag). */
export function parseRateLimit(spec: string): { requestsPerWindow: number; perMethodPerWindow?: number; windowMs: number } {
  if (spec === 'public-mainnet') return { requestsPerWindow: 100, perMethodPerWindow: 40, windowMs: 10_000 };
  const m = /^(\d+)\/(\d+)(ms|s)(?:,method=(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`--rate-limit: "${spec}" is not REQUESTS/WINDOW[,method=N] (e.g. 100/10s,method=40) or public-mainnet`);
  const windowMs = Number(m[2]) * (m[3] === 's' ? 1000 : 1);
  return {
    requestsPerWindow: Number(m[1]),
    windowMs,
    ...(m[4] !== undefined ? { perMethodPerWindow: Number(m[4]) } : {}),
  };
}
