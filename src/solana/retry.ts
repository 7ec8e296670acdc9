import { setTimeout as sleep } from 'node:timers/promises';
import { RpcHttpError, RpcTransportError, type RpcResponse, type RpcTransport } from './transport.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type RetryDecision = { retry: false } | { retry: true; delayMs: number; reason: '429' | '5xx' | 'timeout' | 'network' };

/**
 * The one place that decides whether an RPC attempt is tried again: a 429 waits what the server
 * asked, 5xx, timeouts and network errors back off exponentially with full jitter, anything else
 * (including JSON-RPC errors inside a 200) goes back to the caller. Resending a signed transaction
 * is safe: the same bytes carry the same signature and land at most once.
 */
export function decideRetry(outcome: RpcResponse | Error, attempt: number, policy: RetryPolicy, random = Math.random): RetryDecision {
  if (attempt + 1 >= policy.maxAttempts) return { retry: false };
  const backoff = () => Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
  if (outcome instanceof RpcTransportError) return { retry: true, delayMs: backoff(), reason: outcome.kind };
  if (outcome instanceof Error) return { retry: false };
  if (outcome.status === 429) {
    const asked = retryAfterMs(outcome.headers);
    return { retry: true, delayMs: asked ?? Math.max(backoff(), policy.baseDelayMs), reason: '429' };
  }
  if (outcome.status >= 500) return { retry: true, delayMs: backoff(), reason: '5xx' };
  return { retry: false };
}

export function retryAfterMs(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export interface RetryObserver {
  onRetry?(decision: Extract<RetryDecision, { retry: true }>, methods: string[]): void;
  /** A 429 tells the whole endpoint to slow down, not only this request. */
  onRateLimited?(waitMs: number): void;
}

/** Retries `inner` as `decideRetry` says; a final non-2xx answer becomes an RpcHttpError. */
export function withRetry(inner: RpcTransport, policy: RetryPolicy, observer: RetryObserver = {}): RpcTransport {
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      let outcome: RpcResponse | Error;
      if (request.trace) request.trace.attempts += 1;
      try {
        outcome = await inner(request);
      } catch (e) {
        outcome = e as Error;
      }
      const decision = decideRetry(outcome, attempt, policy);
      if (!(outcome instanceof Error) && outcome.status === 429) {
        if (request.trace) request.trace.rateLimited += 1;
        observer.onRateLimited?.(retryAfterMs(outcome.headers) ?? policy.baseDelayMs);
      }
      if (!decision.retry) {
        if (outcome instanceof Error) throw outcome;
        if (outcome.status >= 200 && outcome.status < 300) return outcome;
        throw new RpcHttpError(request.methods, outcome.endpoint, outcome.status, retryAfterMs(outcome.headers));
      }
      observer.onRetry?.(decision, request.methods);
      await sleep(decision.delayMs, undefined, request.signal ? { signal: request.signal } : undefined);
    }
  };
}
