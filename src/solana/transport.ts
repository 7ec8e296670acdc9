/** One HTTP exchange with a JSON-RPC endpoint: the unit every gateway layer wraps. */
export interface RpcRequest {
  /** The JSON-RPC payload (a single request or a batch), already serialised. */
  body: string;
  /** Method of each request in the payload, for per-method limits and metrics. */
  methods: string[];
  lane: RpcLane;
  signal?: AbortSignal;
  /** Filled in by the layers as the request passes through them, for metrics. */
  trace?: RpcTrace;
}

export interface RpcTrace {
  attempts: number;
  rateLimited: number;
  /** Time spent waiting for the rate budget, all attempts together. */
  queuedMs: number;
}

export interface RpcResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Which endpoint answered ("primary" or "fallback"). */
  endpoint: string;
}

/** Holder-facing queries go ahead of bulk distribution traffic. */
export type RpcLane = 'interactive' | 'bulk';

export type RpcTransport = (request: RpcRequest) => Promise<RpcResponse>;

/** No usable answer came: network error or timeout. Wraps the cause; never carries the URL. */
export class RpcTransportError extends Error {
  constructor(
    readonly methods: string[],
    readonly endpoint: string,
    readonly kind: 'timeout' | 'network',
    cause: unknown,
  ) {
    super(`RPC ${methods.join(',')} to ${endpoint}: ${kind === 'timeout' ? 'timed out' : 'network error'}`, { cause });
    this.name = 'RpcTransportError';
  }
}

/** The server answered no (HTTP status not 2xx), after every retry the gateway allowed. */
export class RpcHttpError extends Error {
  constructor(
    readonly methods: string[],
    readonly endpoint: string,
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(`RPC ${methods.join(',')} to ${endpoint}: HTTP ${status}`);
    this.name = 'RpcHttpError';
  }
}

/** Plain HTTP POST with a per-attempt timeout. `label` names the endpoint in errors instead of its URL. */
export function httpTransport(url: string, label: string, timeoutMs: number): RpcTransport {
  return async ({ body, methods, signal }) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: combined });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, endpoint: label };
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new RpcTransportError(methods, label, timeout.aborted ? 'timeout' : 'network', e);
    }
  };
}

/** Methods of a JSON-RPC payload, read once so limits and metrics need not parse it again. */
export function methodsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as unknown;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.map((r) => (r && typeof (r as { method?: unknown }).method === 'string' ? (r as { method: string }).method : 'unknown'));
  } catch {
    return ['unknown'];
  }
}
