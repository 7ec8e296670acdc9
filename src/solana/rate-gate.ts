import Bottleneck from 'bottleneck';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlidingWindowLimiter, type RateLimitRule } from './sliding-window.js';
import type { RpcLane, RpcRequest, RpcResponse, RpcTransport } from './transport.js';

export interface RateGateOptions {
  /** The endpoint's budget; null for none (the request still queues for concurrency and priority). */
  limit: RateLimitRule | null;
  /** HTTP requests in flight at once. */
  maxConcurrent: number;
  /** Widens each window so requests the server sees a little later still fit. Default 150 ms. */
  marginMs?: number;
}

const LANE_PRIORITY: Record<RpcLane, number> = { interactive: 1, bulk: 6 };

/**
 * Paces requests to one endpoint so it never has to refuse them. Bottleneck queues by lane priority
 * and bounds concurrency; a sliding-window log of our own requests, the same algorithm providers
 * enforce, releases each one at the first moment the budget has room. Reacting to 429s alone is what
 * made the earlier payer slow (FACTS.md): pacing is the fix, 429 handling the safety net.
 */
export class RateGate {
  private readonly inflight: Bottleneck;
  private readonly launcher: Bottleneck;
  private readonly window: SlidingWindowLimiter | null;
  private pausedUntil = 0;

  constructor(opts: RateGateOptions) {
    this.inflight = new Bottleneck({ maxConcurrent: opts.maxConcurrent });
    // One launch at a time, so the order of launches is the priority order of the queue.
    this.launcher = new Bottleneck({ maxConcurrent: 1 });
    this.window = opts.limit ? new SlidingWindowLimiter(opts.limit, opts.marginMs ?? 150) : null;
  }

  /** Every request of the endpoint waits after a 429: the server spoke for all of them. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Requests waiting, by lane, for metrics. */
  queued(): { interactive: number; bulk: number } {
    return { interactive: this.inflight.queued(LANE_PRIORITY.interactive), bulk: this.inflight.queued(LANE_PRIORITY.bulk) };
  }

  wrap(inner: RpcTransport): RpcTransport {
    return (request) => {
      const priority = LANE_PRIORITY[request.lane];
      return this.inflight.schedule({ priority }, async () => {
        const started = Date.now();
        await this.launcher.schedule({ priority }, () => this.waitForRoom(request));
        if (request.trace) request.trace.queuedMs += Date.now() - started;
        return inner(request);
      }) as Promise<RpcResponse>;
    };
  }

  private async waitForRoom(request: RpcRequest): Promise<void> {
    for (;;) {
      const now = Date.now();
      const paused = this.pausedUntil - now;
      const wait = paused > 0 ? paused : (this.window?.tryAdmit(request.methods, now) ?? 0);
      if (wait <= 0) return;
      await sleep(wait, undefined, request.signal ? { signal: request.signal } : undefined);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.inflight.stop({ dropWaitingJobs: true }), this.launcher.stop({ dropWaitingJobs: true })]).catch(() => undefined);
  }
}
