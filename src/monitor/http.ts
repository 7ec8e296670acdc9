import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, HealthCheck>;
}

export interface MonitorHttpOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** 0 = any free port. */
  port: number;
  registry: Registry;
  /** Called on every /healthz; a rejection or a slow answer (see healthTimeoutMs) is a failed check. */
  health: () => Promise<HealthReport>;
  /** Default 5000 ms: a probe that hangs is worse than one that says no. */
  healthTimeoutMs?: number;
}

export interface MonitorHttp {
  /** e.g. "http://127.0.0.1:9464" */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `/metrics` (Prometheus text) and `/healthz` (JSON; 200 when every check is ok, else 503). */
export async function startMonitorHttp(options: MonitorHttpOptions): Promise<MonitorHttp> {
  const host = options.host ?? '127.0.0.1';
  const healthTimeoutMs = options.healthTimeoutMs ?? 5_000;

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      // Never let a metrics collector's bug crash the process; answer 500 without internals.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
      void err;
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const body = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      const report = await runHealth();
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics or /healthz\n');
  }

  async function runHealth(): Promise<HealthReport> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`health checks gave no answer within ${healthTimeoutMs} ms`)), healthTimeoutMs);
        timer.unref();
      });
      const report = await Promise.race([options.health(), timeout]);
      // The overall verdict is recomputed: a caller's ok:true with a failing check is still a failure.
      const ok = report.ok && Object.values(report.checks).every((c) => c.ok);
      return { ok, checks: report.checks };
    } catch (err) {
      return { ok: false, checks: { health: { ok: false, detail: err instanceof Error ? err.message : String(err) } } };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive scrapers would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
