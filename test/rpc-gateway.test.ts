import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Keypair, PublicKey } from '@solana/web3.js';
import { startLocalnet, type Localnet } from '../src/localnet/index.js';
import { RpcGateway, type RpcGatewayOptions } from '../src/solana/gateway.js';
import { defaultGatewayOptions } from './helpers/defaults.js';
import { SlidingWindowLimiter, type RateLimitRule } from '../src/solana/sliding-window.js';
import { methodsOf } from '../src/solana/transport.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (opened.length) await opened.pop()?.close();
});

async function chain(opts: Parameters<typeof startLocalnet>[0] = {}): Promise<Localnet> {
  const net = await startLocalnet({ holders: 0, ...opts });
  opened.push(net);
  return net;
}

/** A gateway to `url` as the default config sets it up, with what the test changes. */
function gateway(opts: { url: string } & Partial<RpcGatewayOptions>): RpcGateway {
  const gw = new RpcGateway(defaultGatewayOptions(opts.url, opts));
  opened.push(gw);
  return gw;
}

/**
 * A JSON-RPC endpoint whose limiter counts the `i`-th request `lagMs(i)` after it arrived (a busy
 * event loop, a queue in front of the limiter: what a loaded machine or a distant provider does),
 * then answers at once: 200 with the request's index, or 429.
 */
async function laggingProvider(rule: RateLimitRule, lagMs: (i: number) => number): Promise<{ url: string; stats: { requests: number; rateLimited: number } }> {
  const limiter = new SlidingWindowLimiter(rule);
  const stats = { requests: 0, rateLimited: 0 };
  let arrived = 0;
  const server = createServer((req, res) => {
    const i = arrived++;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      setTimeout(() => {
        stats.requests += 1;
        const wait = limiter.tryAdmit(methodsOf(body));
        if (wait > 0) {
          stats.rateLimited += 1;
          res.writeHead(429, { 'retry-after': String(Math.ceil(wait / 1000)) }).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: i }));
      }, lagMs(i));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
}

describe('RPC gateway', () => {
  it('paces by when answers arrive, so a provider that counts requests late never answers 429', async () => {
    // The first four requests of every eight are counted 400 ms after they arrive, the others at once.
    // Counting from the send with a fixed 150 ms margin, the second four arrive 650 ms after the first
    // four were sent, while the provider still holds those in its 500 ms window (counted at 400 ms).
    const limit = { requestsPerWindow: 4, windowMs: 500 };
    const provider = await laggingProvider(limit, (i) => (i % 8 < 4 ? 400 : 0));
    const gw = gateway({ url: provider.url, limit, budgetAtStart: 'empty' });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot' });
    const answers = await Promise.all(Array.from({ length: 12 }, () => gw.request(body, 'bulk')));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));
    expect(provider.stats).toEqual({ requests: 12, rateLimited: 0 });
    expect(gw.stats().rateLimited).toBe(0);
  });

  it('a restarted gateway draws no 429 for what the process before it sent in the same window', async () => {
    const limit = { requestsPerWindow: 4, windowMs: 2000 };
    const net = await chain({ rateLimit: limit });
    const burst = async () => {
      const gw = new RpcGateway(defaultGatewayOptions(net.rpcUrl, { limit }));
      try {
        await Promise.all(Array.from({ length: 4 }, () => gw.connection('bulk').getBalance(Keypair.generate().publicKey)));
      } finally {
        await gw.close();
      }
    };
    await burst();
    // The next process starts at once: the provider still counts the first one's four requests.
    await burst();
    expect(net.server.stats().rateLimited).toBe(0);
    expect(net.server.stats().requests).toBe(8);
  });

  it('paces a burst under a provider limit so the endpoint never answers 429', async () => {
    const limit = { requestsPerWindow: 10, perMethodPerWindow: 6, windowMs: 1000 };
    const net = await chain({ rateLimit: limit });
    // A chain started just now: its window is empty (the default assumes it full: see the restart test).
    const gw = gateway({ url: net.rpcUrl, limit, budgetAtStart: 'empty' });
    const conn = gw.connection('bulk');
    const started = Date.now();
    // Distinct parameters: web3.js coalesces identical requests that are in flight together.
    const keys = Array.from({ length: 12 }, () => Keypair.generate().publicKey);
    await Promise.all([...keys.map((k) => conn.getBalance(k)), ...keys.map((k) => conn.getAccountInfo(k))]);
    const elapsed = Date.now() - started;
    expect(net.server.stats().rateLimited).toBe(0);
    expect(net.server.stats().requests).toBe(24);
    // 24 requests at 10 per second: the first 10 at once, then a window per 10 (plus the margin).
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(gw.stats().rateLimited).toBe(0);
  });

  it('serves a holder query ahead of a queued distribution backlog', async () => {
    const limit = { requestsPerWindow: 5, windowMs: 1000 };
    const net = await chain({ rateLimit: limit });
    const gw = gateway({ url: net.rpcUrl, limit, maxConcurrent: 2, budgetAtStart: 'empty' });
    const order: string[] = [];
    const bulk = Array.from({ length: 15 }, (_, i) =>
      gw
        .connection('bulk')
        .getSlot()
        .then(() => order.push(`bulk${i}`)),
    );
    await new Promise((r) => setTimeout(r, 50));
    const interactive = gw
      .connection('interactive')
      .getBlockHeight()
      .then(() => order.push('holder'));
    await Promise.all([...bulk, interactive]);
    expect(order.indexOf('holder')).toBeLessThan(8);
    expect(net.server.stats().rateLimited).toBe(0);
  });

  it('retries 5xx answers and timeouts until the call succeeds', async () => {
    const net = await chain({ faults: { serverError: 0.3, timeout: 0.1, timeoutMs: 300 } });
    const gw = gateway({ url: net.rpcUrl, timeoutMs: 200, retry: { maxAttempts: 12, baseDelayMs: 10, maxDelayMs: 50 } });
    const conn = gw.connection();
    const results = await Promise.all(Array.from({ length: 30 }, () => conn.getSlot()));
    expect(results.every((slot) => slot > 0)).toBe(true);
    const stats = net.server.stats();
    expect(stats.serverErrors + stats.timeouts).toBeGreaterThan(0);
  });

  it('honours Retry-After on a 429 before trying again', async () => {
    const net = await chain({ faults: { rateLimited: 1 } });
    const gw = gateway({ url: net.rpcUrl, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
    setTimeout(() => net.server.setFaults({}), 300);
    const started = Date.now();
    await gw.connection().getSlot();
    // The injected 429 says Retry-After: 1 (second).
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(gw.stats().rateLimited).toBe(1);
  });

  it('moves to the fallback endpoint after repeated failures and reports the switch', async () => {
    const primary = await chain({ faults: { serverError: 1 } });
    const fallback = await chain();
    const gw = gateway({
      url: primary.rpcUrl,
      fallbackUrl: fallback.rpcUrl,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    });
    const switches: string[] = [];
    gw.events.on('failover', (e) => switches.push(`${e.from}->${e.to}`));
    const conn = gw.connection();
    await expect(conn.getSlot()).rejects.toThrow(/503/);
    expect(await conn.getSlot()).toBeGreaterThan(0);
    expect(await conn.getSlot()).toBeGreaterThan(0);
    expect(switches).toEqual(['primary->fallback']);
    expect(fallback.server.stats().requests).toBe(2);
  });

  it('reports each call with its method, lane and outcome, never the URL', async () => {
    const net = await chain();
    const gw = gateway({ url: `${net.rpcUrl}/?api-key=SECRET123` });
    const calls: unknown[] = [];
    gw.events.on('call', (c) => calls.push(c));
    await gw.connection('interactive').getBalance(PublicKey.default);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'getBalance', lane: 'interactive', ok: true, endpoint: 'primary', attempts: 1 });
    expect(JSON.stringify(calls)).not.toContain('SECRET123');
  });
});
