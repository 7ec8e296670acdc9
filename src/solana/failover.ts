import type { RpcRequest, RpcTransport } from './transport.js';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls (after their retries) that open the circuit. */
  failureThreshold: number;
  /** How long traffic stays on the fallback before the primary is probed again. */
  cooldownMs: number;
}

export interface FailoverObserver {
  onSwitch?(from: string, to: string, reason: string): void;
}

/**
 * Sends to the primary until it fails `failureThreshold` calls in a row, then to the fallback.
 * After `cooldownMs` one real request probes the primary (half-open); success brings traffic back.
 */
export function withFailover(primary: RpcTransport, fallback: RpcTransport | null, opts: CircuitBreakerOptions, observer: FailoverObserver = {}): RpcTransport {
  if (!fallback) return primary;
  let failures = 0;
  let openUntil = 0;
  let probing = false;

  return async (request: RpcRequest) => {
    const open = openUntil > 0;
    const tryPrimary = !open || (Date.now() >= openUntil && !probing);
    if (!tryPrimary) return fallback(request);
    if (open) probing = true;
    try {
      const res = await primary(request);
      if (open) observer.onSwitch?.('fallback', 'primary', 'primary answered the probe');
      failures = 0;
      openUntil = 0;
      return res;
    } catch (e) {
      failures += 1;
      if (open) {
        openUntil = Date.now() + opts.cooldownMs;
      } else if (failures >= opts.failureThreshold) {
        openUntil = Date.now() + opts.cooldownMs;
        observer.onSwitch?.('primary', 'fallback', (e as Error).message);
      }
      if (openUntil > 0) return fallback(request);
      throw e;
    } finally {
      if (open) probing = false;
    }
  };
}
