import { Connection, type Commitment } from '@solana/web3.js';
import { withFailover, type CircuitBreakerOptions } from './failover.js';
import type { BudgetAtStart } from './pacing-window.js';
import { RateGate } from './rate-gate.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { RpcEventBus } from './rpc-events.js';
import type { RateLimitRule } from './sliding-window.js';
import { httpTransport, methodsOf, type RpcLane, type RpcTrace, type RpcTransport } from './transport.js';

/**
 * Every figure is required: the configuration schema (src/config/schema.ts) is the one place for
 * their defaults, and src/app/rpc-options.ts maps a config onto these.
 */
export interface RpcGatewayOptions {
  url: string;
  /** Used when the primary keeps failing; null for none. */
  fallbackUrl: string | null;
  /** The provider's budget; null for none. Applies to each endpoint separately. */
  limit: RateLimitRule | null;
  /** Requests in flight at once, per endpoint. */
  maxConcurrent: number;
  /** Per attempt. */
  timeoutMs: number;
  retry: RetryPolicy;
  circuitBreaker: CircuitBreakerOptions;
  commitment: Commitment;
  /** What each endpoint's window held when the gateway started (PacingWindow): default 'full', so a restart draws no 429s; 'empty' only for an endpoint known to be fresh, such as a local chain just started. */
  budgetAtStart?: BudgetAtStart;
}

export interface RpcCall {
  method: string;
  params: unknown[];
}

export type RpcCallAnswer = { result: unknown; error?: undefined } | { error: { code: number; message: string }; result?: undefined };

export interface RpcBatchAnswer {
  /** Which endpoint answered every call of the batch ("primary" or "fallback"). */
  endpoint: string;
  answers: RpcCallAnswer[];
}

/** Sends calls as one batch to one endpoint: what the engine needs of the gateway to judge transactions. */
export type RpcBatch = (calls: readonly RpcCall[]) => Promise<RpcBatchAnswer>;

export interface RpcGatewayStats {
  requestsByMethod: Record<string, number>;
  errorsByMethod: Record<string, number>;
  rateLimited: number;
  queued: { interactive: number; bulk: number };
}

/** A JSON-RPC exchange as text: the request body out, the HTTP status and body text back. */
export type RawTextExchange = (body: string) => Promise<{ status: number; text: string }>;

/** The text exchanges of the Connections gateways made, for rawTextExchange. */
const textExchanges = new WeakMap<Connection, RawTextExchange>();

/**
 * The JSON-RPC exchange behind `connection`, as text, through every layer of the gateway that made
 * it (pacing, retries, failover, metrics). For answers too big for web3.js, which reads a body twice
 * and parses it in one go on the event loop. A Connection made elsewhere (tests, scripts) posts to
 * its endpoint directly, as web3.js itself would.
 */
export function rawTextExchange(connection: Connection): RawTextExchange {
  return (
    textExchanges.get(connection) ??
    (async (body) => {
      const res = await fetch(connection.rpcEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, text: await res.text() };
    })
  );
}

/**
 * The only way to an RPC endpoint. A transport is a function; pacing (Bottleneck + sliding window),
 * retries and failover are layers around it. `connection(lane)` gives a web3.js Connection whose
 * every request passes through those layers.
 */
export class RpcGateway {
  readonly events = new RpcEventBus();
  private readonly gates: RateGate[] = [];
  private readonly transport: RpcTransport;
  private readonly connections = new Map<RpcLane, Connection>();
  private readonly counters: RpcGatewayStats = { requestsByMethod: {}, errorsByMethod: {}, rateLimited: 0, queued: { interactive: 0, bulk: 0 } };
  readonly commitment: Commitment;

  constructor(readonly opts: RpcGatewayOptions) {
    this.commitment = opts.commitment;
    const endpoint = (url: string, label: string): RpcTransport => {
      const gate = new RateGate({ limit: opts.limit, maxConcurrent: opts.maxConcurrent, budgetAtStart: opts.budgetAtStart ?? 'full' });
      this.gates.push(gate);
      return withRetry(gate.wrap(httpTransport(url, label, opts.timeoutMs)), opts.retry, {
        onRateLimited: (waitMs) => gate.pause(waitMs),
      });
    };
    const primary = endpoint(opts.url, 'primary');
    const fallback = opts.fallbackUrl ? endpoint(opts.fallbackUrl, 'fallback') : null;
    this.transport = withFailover(primary, fallback, opts.circuitBreaker, {
      onSwitch: (from, to, reason) => this.events.emit('failover', { from, to, reason, at: Date.now() }),
    });
  }

  /** A Connection on `lane`; created once per lane. */
  connection(lane: RpcLane = 'bulk'): Connection {
    let conn = this.connections.get(lane);
    if (!conn) {
      conn = new Connection(this.opts.url, {
        commitment: this.commitment,
        disableRetryOnRateLimit: true,
        fetch: (_input, init) => this.fetchFor(lane, init),
      });
      this.connections.set(lane, conn);
      textExchanges.set(conn, (body) => this.request(body, lane));
    }
    return conn;
  }

  /** Sends a raw JSON-RPC payload through every layer; answers like fetch would. */
  async request(body: string, lane: RpcLane, signal?: AbortSignal): Promise<{ status: number; text: string; endpoint: string }> {
    const methods = methodsOf(body);
    const trace: RpcTrace = { attempts: 0, rateLimited: 0, queuedMs: 0 };
    const started = Date.now();
    let ok = false;
    let status: number | undefined;
    let endpoint = 'primary';
    try {
      const res = await this.transport({ body, methods, lane, trace, ...(signal ? { signal } : {}) });
      status = res.status;
      endpoint = res.endpoint;
      // JSON-RPC errors inside a 200 are answers (a refused preflight, say); errors here mean no usable answer.
      ok = res.status >= 200 && res.status < 300;
      return { status: res.status, text: res.text, endpoint: res.endpoint };
    } finally {
      this.record(methods, lane, trace, started, ok, status, endpoint);
    }
  }

  /**
   * Several calls in one JSON-RPC batch: one HTTP exchange, so every answer comes from the same
   * endpoint (the failover layer cannot split them), which the caller learns. Answers come back in
   * the order of `calls`, each a result or the node's error.
   */
  async batch(calls: readonly RpcCall[], lane: RpcLane = 'bulk'): Promise<RpcBatchAnswer> {
    const body = JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, method: c.method, params: c.params })));
    const res = await this.request(body, lane);
    if (res.status < 200 || res.status >= 300) throw new Error(`RPC batch ${calls.map((c) => c.method).join(',')}: HTTP ${res.status}`);
    const parsed = JSON.parse(res.text) as unknown;
    if (!Array.isArray(parsed)) throw new Error(`RPC batch ${calls.map((c) => c.method).join(',')}: the endpoint did not answer with a batch`);
    const answers: RpcCallAnswer[] = calls.map(() => ({ error: { code: -32603, message: 'no answer in the batch' } }));
    for (const item of parsed as { id?: unknown; result?: unknown; error?: { code: number; message: string } }[]) {
      if (typeof item?.id !== 'number' || item.id < 0 || item.id >= calls.length) continue;
      answers[item.id] = item.error ? { error: { code: item.error.code, message: item.error.message } } : { result: item.result };
    }
    return { endpoint: res.endpoint, answers };
  }

  stats(): RpcGatewayStats {
    const queued = { interactive: 0, bulk: 0 };
    for (const g of this.gates) {
      const q = g.queued();
      queued.interactive += q.interactive;
      queued.bulk += q.bulk;
    }
    return { ...structuredClone(this.counters), queued };
  }

  async close(): Promise<void> {
    await Promise.all(this.gates.map((g) => g.stop()));
  }

  private async fetchFor(lane: RpcLane, init: RequestInit | undefined): Promise<Response> {
    const body = typeof init?.body === 'string' ? init.body : String(init?.body ?? '');
    const res = await this.request(body, lane, init?.signal ?? undefined);
    return new Response(res.text, { status: res.status, headers: { 'content-type': 'application/json' } });
  }

  private record(methods: string[], lane: RpcLane, trace: RpcTrace, started: number, ok: boolean, httpStatus: number | undefined, endpoint: string): void {
    const at = Date.now();
    this.counters.rateLimited += trace.rateLimited;
    for (const method of methods) {
      this.counters.requestsByMethod[method] = (this.counters.requestsByMethod[method] ?? 0) + 1;
      if (!ok) this.counters.errorsByMethod[method] = (this.counters.errorsByMethod[method] ?? 0) + 1;
      this.events.emit('call', {
        method,
        endpoint,
        lane,
        queuedMs: trace.queuedMs,
        durationMs: at - started - trace.queuedMs,
        ok,
        ...(httpStatus !== undefined ? { httpStatus } : {}),
        rateLimited: trace.rateLimited,
        attempts: trace.attempts,
        at,
      });
    }
  }
}
