import { EventEmitter } from 'node:events';

/** One JSON-RPC call as the gateway saw it, after every layer (queue, retry, failover) is done with it. */
export interface RpcCallEvent {
  method: string;
  /** Endpoint label ("primary" or "fallback"), never the URL: URLs may carry API keys. */
  endpoint: string;
  lane: string;
  /** Time spent waiting in the Bottleneck queue before the first attempt. */
  queuedMs: number;
  /** Time from the first attempt to the final answer. */
  durationMs: number;
  ok: boolean;
  /** HTTP status of the last attempt, when one came back. */
  httpStatus?: number;
  /** How many attempts answered 429. */
  rateLimited: number;
  attempts: number;
  at: number;
}

export interface RpcEvents {
  call: [RpcCallEvent];
  /** The circuit breaker moved traffic to another endpoint. */
  failover: [{ from: string; to: string; reason: string; at: number }];
}

export class RpcEventBus extends EventEmitter<RpcEvents> {}
