import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkLag, type ChainTuning, type LocalChain, type SendOutcome } from './chain.js';
import { listenOnce, PubSubServer } from './pubsub.js';
import { FaultInjector, type FaultRates } from './faults.js';
import { SlidingWindowLimiter, type RateLimitRule } from '../solana/sliding-window.js';
import { createRpcMethods, RpcError, type NodeSettings } from './rpc-methods.js';

export interface RpcServerOptions {
  host?: string;
  /** 0 picks a free port pair (RPC on an OS-picked port, PubSub on the next one). */
  port?: number;
  rateLimit?: RateLimitRule | null;
  faults?: FaultRates;
  faultSeed?: number;
  /** Answer as a node this many slots behind the tip (docs/solana-rpc-behaviour.md, Lagging nodes). Default 0. */
  lagSlots?: number;
  /** Serve history lookups (`searchTransactionHistory`, `getTransaction`); false answers -32011. Default true. */
  transactionHistory?: boolean;
  /** Most accounts one getProgramAccounts answer carries before the node refuses it (as Helius does). Default null: no limit. */
  maxProgramAccounts?: number | null;
  /** false: refuse getProgramAccounts on the token programs (-32010), as public mainnet endpoints do. Default true. */
  tokenProgramScans?: boolean;
  /** false: no DAS getTokenAccounts. Default true. */
  das?: boolean;
}

/** Attempts at finding a free RPC + PubSub port pair when the OS picks the port. */
const PORT_PAIR_ATTEMPTS = 20;

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
  /** Sends that went to a fork that is abandoned (they may land later: see forkFail). */
  transactionsForked: number;
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
  private readonly node: NodeSettings;
  url = '';
  /** The PubSub (WebSocket) endpoint, on the port after the RPC port. */
  wsUrl = '';

  constructor(
    readonly chain: LocalChain,
    private readonly opts: RpcServerOptions = {},
  ) {
    this.faults = new FaultInjector(opts.faults ?? {}, opts.faultSeed ?? 1);
    this.limiter = opts.rateLimit ? new SlidingWindowLimiter(opts.rateLimit) : null;
    this.node = {
      lagSlots: checkLag(opts.lagSlots ?? 0),
      transactionHistory: opts.transactionHistory ?? true,
      maxProgramAccounts: opts.maxProgramAccounts ?? null,
      tokenProgramScans: opts.tokenProgramScans ?? true,
      das: opts.das ?? true,
    };
    chain.reserveViewLag(this.node.lagSlots);
    this.methods = createRpcMethods(chain, this.faults, this.node, { onSend: (outcome) => this.countSend(outcome) });
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.pubsub = new PubSubServer(chain, this.node);
  }

  /**
   * Listens on the RPC port and, as a validator does, PubSub on the next port up. With port 0 the
   * OS picks the RPC port; when the next one is taken (another process, or another chain's pair)
   * both are released and a new pair is tried, a bounded number of times.
   */
  async listen(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    const fixed = this.opts.port ?? 0;
    for (let attempt = 1; ; attempt++) {
      await listenOnce(this.server, fixed, host);
      const addr = this.server.address() as AddressInfo;
      try {
        await this.pubsub.listen(addr.port + 1, host);
        this.url = `http://${addr.address}:${addr.port}`;
        this.wsUrl = `ws://${addr.address}:${addr.port + 1}`;
        return this.url;
      } catch (e) {
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
        if (fixed !== 0 || attempt >= PORT_PAIR_ATTEMPTS || !isPortTaken(e)) throw e;
      }
    }
  }

  /** What this node is: how far behind it answers, and whether it serves history. */
  get settings(): NodeSettings {
    return { ...this.node };
  }

  /** Changes this node at run time; unnamed fields keep their value. */
  configure(settings: Partial<NodeSettings>): NodeSettings {
    if (settings.lagSlots !== undefined) {
      this.chain.reserveViewLag(checkLag(settings.lagSlots));
      this.node.lagSlots = settings.lagSlots;
    }
    if (settings.transactionHistory !== undefined) this.node.transactionHistory = settings.transactionHistory === true;
    if (settings.maxProgramAccounts !== undefined) {
      const max = settings.maxProgramAccounts;
      if (max !== null && (!Number.isSafeInteger(max) || max < 0)) throw new RangeError(`maxProgramAccounts must be a whole number or null, not ${max}`);
      this.node.maxProgramAccounts = max;
    }
    if (settings.tokenProgramScans !== undefined) this.node.tokenProgramScans = settings.tokenProgramScans === true;
    if (settings.das !== undefined) this.node.das = settings.das === true;
    return this.settings;
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
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The chain's tuning and this node's settings, as `GET /localnet/config` shows them. */
  config(): ChainTuning & NodeSettings {
    return { ...this.chain.tuning, ...this.settings };
  }

  private countSend(outcome: SendOutcome): void {
    if (outcome.landed) this.statsValue.transactionsLanded += 1;
    else if (outcome.forked) this.statsValue.transactionsForked += 1;
    else this.statsValue.transactionsDropped += 1;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      return sendJson(res, 413, { error: (e as Error).message });
    }
    if (req.url?.startsWith('/localnet/')) {
      try {
        return this.handleControl(req, res, body);
      } catch (e) {
        return sendJson(res, 400, { error: (e as Error).message });
      }
    }
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
    // DAS methods take one object, not a list: handed over as the first parameter.
    const params = Array.isArray(request.params) ? request.params : request.params && typeof request.params === 'object' ? [request.params] : [];
    try {
      const result = handler(params);
      return { jsonrpc: '2.0', id, result };
    } catch (e) {
      if (e instanceof RpcError) {
        return { jsonrpc: '2.0', id, error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } };
      }
      return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${(e as Error).message}` } };
    }
  }

  /** `/localnet/...` routes; a throw (bad JSON, a value out of range) is answered 400 by the caller. */
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
    if (req.method === 'GET' && path === '/localnet/config') return sendJson(res, 200, this.config());
    if (req.method === 'POST' && path === '/localnet/config') {
      // Chain settings are shared by every endpoint of the chain; node settings are this endpoint's.
      const asked = JSON.parse(body || '{}') as Partial<ChainTuning & NodeSettings>;
      const { statusCacheSlots, confirmedLagSlots, forkSlots, forkRelandSlots, lagSlots, transactionHistory, maxProgramAccounts, tokenProgramScans, das } = asked;
      if (lagSlots !== undefined) checkLag(lagSlots);
      this.chain.configure({ statusCacheSlots, confirmedLagSlots, forkSlots, forkRelandSlots } as Partial<ChainTuning>);
      this.configure({ lagSlots, transactionHistory, maxProgramAccounts, tokenProgramScans, das } as Partial<NodeSettings>);
      return sendJson(res, 200, { ok: true, ...this.config() });
    }
    if (req.method === 'POST' && path.startsWith('/localnet/fork-fail-next')) {
      const count = Number(new URL(path, 'http://x').searchParams.get('count') ?? '1');
      this.chain.forkFailNext(count);
      return sendJson(res, 200, { ok: true, count });
    }
    sendJson(res, 404, { error: `unknown control route ${req.method} ${path}` });
  }
}

function isPortTaken(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  // ERR_SOCKET_BAD_PORT: the OS picked 65535, so there is no port after it.
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'ERR_SOCKET_BAD_PORT';
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
    transactionsForked: 0,
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
