import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalChain } from './chain.js';
import { PubSubServer } from './pubsub.js';
import { FaultInjector, type FaultRates } from './faults.js';
import { SlidingWindowLimiter, type RateLimitRule } from '../solana/sliding-window.js';
import { createRpcMethods, RpcError } from './rpc-methods.js';

export interface RpcServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  rateLimit?: RateLimitRule | null;
  faults?: FaultRates;
  faultSeed?: number;
}

/** What the local chain counted; tests and benchmarks read it to measure RPC efficiency. */
export interface RpcStats {
  /** JSON-RPC requests received, by method (each element of a batch counts). */
  requestsByMethod: Record<string, number>;
  requests: number;
  httpRequests: number;
  /** HTTP 429 answers: from the emulated budget, and injected. */
  rateLimited: number;
  injectedRateLimited: number;
  serverErrors: number;
  timeouts: number;
  transactionsLanded: number;
  transactionsDropped: number;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024;

export class RpcServer {
  private readonly server: Server;
  private readonly methods: ReturnType<typeof createRpcMethods>;
  readonly faults: FaultInjector;
  private limiter: SlidingWindowLimiter | null;
  private statsValue: RpcStats = emptyStats();
  private readonly hanging = new Set<ServerResponse>();
  private readonly pubsub: PubSubServer;
  url = '';

  constructor(
    readonly chain: LocalChain,
    private readonly opts: RpcServerOptions = {},
  ) {
    this.faults = new FaultInjector(opts.faults ?? {}, opts.faultSeed ?? 1);
    this.limiter = opts.rateLimit ? new SlidingWindowLimiter(opts.rateLimit) : null;
    this.methods = createRpcMethods(chain, this.faults);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.pubsub = new PubSubServer(chain);
  }

  /** Listens on the RPC port and, as a validator does, PubSub on the next port up. */
  async listen(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    for (let attempt = 0; ; attempt++) {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.opts.port ?? 0, host, () => resolve());
      });
      const addr = this.server.address() as AddressInfo;
      try {
        await this.pubsub.listen(addr.port + 1, host);
        this.url = `http://${addr.address}:${addr.port}`;
        return this.url;
      } catch (e) {
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
        if (this.opts.port || attempt >= 20) throw e;
      }
    }
  }

  stats(): RpcStats {
    return structuredClone(this.statsValue);
  }

  resetStats(): void {
    this.statsValue = emptyStats();
  }

  setFaults(rates: FaultRates): void {
    this.faults.rates = rates;
  }

  setRateLimit(rule: RateLimitRule | null): void {
    this.limiter = rule ? new SlidingWindowLimiter(rule) : null;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await this.pubsub.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      return sendJson(res, 413, { error: (e as Error).message });
    }
    if (req.url?.startsWith('/localnet/')) return this.handleControl(req, res, body);
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'JSON-RPC takes POST' });

    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    const batch = Array.isArray(payload);
    const requests = (batch ? payload : [payload]) as JsonRpcRequest[];
    const methodNames = requests.map((r) => (typeof r?.method === 'string' ? r.method : 'invalid'));
    this.statsValue.httpRequests += 1;
    for (const m of methodNames) {
      this.statsValue.requests += 1;
      this.statsValue.requestsByMethod[m] = (this.statsValue.requestsByMethod[m] ?? 0) + 1;
    }

    const fault = this.faults.pickRequestFault();
    if (fault === 'rateLimited') {
      this.statsValue.rateLimited += 1;
      this.statsValue.injectedRateLimited += 1;
      return sendTooMany(res, 1000);
    }
    if (fault === 'serverError') {
      this.statsValue.serverErrors += 1;
      return sendJson(res, 503, { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Service unavailable (injected)' } });
    }
    if (this.limiter) {
      const waitMs = this.limiter.tryAdmit(methodNames);
      if (waitMs > 0) {
        this.statsValue.rateLimited += 1;
        return sendTooMany(res, waitMs);
      }
    }

    const answers = requests.map((r) => this.call(r));
    if (fault === 'timeout') {
      // The work is done but the answer never comes: the caller cannot know whether a send landed.
      this.statsValue.timeouts += 1;
      this.hanging.add(res);
      setTimeout(() => {
        this.hanging.delete(res);
        res.destroy();
      }, this.faults.timeoutMs).unref();
      return;
    }
    sendJson(res, 200, batch ? answers : answers[0]);
  }

  private call(request: JsonRpcRequest): unknown {
    const id = request?.id ?? null;
    const method = typeof request?.method === 'string' ? request.method : '';
    const handler = this.methods.get(method);
    if (!handler) return { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } };
    const params = Array.isArray(request.params) ? request.params : [];
    try {
      const result = handler(params);
      if (method === 'sendTransaction') {
        const landed = this.chain.signatureStatus(String(result)) !== null;
        if (landed) this.statsValue.transactionsLanded += 1;
        else this.statsValue.transactionsDropped += 1;
      }
      return { jsonrpc: '2.0', id, result };
    } catch (e) {
      if (e instanceof RpcError) {
        return { jsonrpc: '2.0', id, error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } };
      }
      return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${(e as Error).message}` } };
    }
  }

  private handleControl(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = req.url ?? '';
    if (req.method === 'GET' && path === '/localnet/stats') return sendJson(res, 200, this.stats());
    if (req.method === 'POST' && path === '/localnet/stats/reset') {
      this.resetStats();
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/localnet/faults') {
      this.setFaults(JSON.parse(body || '{}') as FaultRates);
      return sendJson(res, 200, { ok: true, faults: this.faults.rates });
    }
    if (req.method === 'POST' && path.startsWith('/localnet/advance')) {
      const blocks = Number(new URL(path, 'http://x').searchParams.get('blocks') ?? '1');
      this.chain.advance(blocks);
      return sendJson(res, 200, { ok: true, blockHeight: this.chain.blockHeight });
    }
    sendJson(res, 404, { error: `unknown control route ${req.method} ${path}` });
  }
}

function emptyStats(): RpcStats {
  return {
    requestsByMethod: {},
    requests: 0,
    httpRequests: 0,
    rateLimited: 0,
    injectedRateLimited: 0,
    serverErrors: 0,
    timeouts: 0,
    transactionsLanded: 0,
    transactionsDropped: 0,
  };
}

function sendTooMany(res: ServerResponse, waitMs: number): void {
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: 429, message: 'Too many requests for a specific RPC call' } }));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
