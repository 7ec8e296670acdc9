/**
 * An RPC endpoint that does not answer, or is no Solana node, is named as such in /distribute
 * preview and /holders snapshot, as /health names it, instead of "internal
 * error": through the console of a real app on a closed port, a web server, a 404 and a JSON-RPC
 * server that knows no Solana method.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Keypair } from '@solana/web3.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../src/app/start.js';
import { loadConfig } from '../src/config/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function serve(handler: (body: string) => { status: number; type: string; text: string }): Promise<string> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const answer = handler(body);
      res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/some-key-path`;
}

/** Runs the commands on the console of an app whose RPC endpoint is `url`; what it printed. */
async function consoleOn(url: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-rpc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const keypairPath = join(dir, 'distributor.json');
  writeFileSync(keypairPath, JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });
  const config = loadConfig({
    env: {},
    overrides: {
      rpc: { url, timeoutMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 } },
      keypairPath,
      dataDir: join(dir, 'data'),
      http: { port: 0 },
      log: { level: 'silent' },
    },
  });
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const mint = 'So11111111111111111111111111111111111111112';
  const app = await startApp({ config, input: Readable.from([`/distribute preview token:${mint} amount:1 reward:SOL\n/holders snapshot token:${mint}\n/health\n`]), output });
  cleanups.push(() => app.stop());
  await app.finished;
  return printed;
}

const replies = (printed: string) => printed.split('\n').filter((l) => l.startsWith('✖') || l.startsWith('RPC:'));

describe('an RPC endpoint that is down or no Solana node', () => {
  it('says "not answering" for a closed port, in preview, snapshot and /health alike', async () => {
    const printed = await consoleOn('http://127.0.0.1:1');
    const [preview, snapshot, health] = replies(printed);
    expect(preview).toMatch(
      /^✖ the RPC endpoint is not answering \(network error\); nothing was done\. \/health shows the RPC state; the log has the details \(id [0-9a-f]{8}\)\.$/,
    );
    expect(snapshot).toMatch(/^✖ the RPC endpoint is not answering \(network error\); nothing was done/);
    expect(health).toMatch(/^RPC: NOT answering \(network error\) after \d+ ms/);
    expect(printed).not.toContain('internal error');
  });

  it('says "not a Solana node" for a web page, a 404 and a JSON-RPC server without Solana methods, naming no URL', async () => {
    const html = await serve(() => ({ status: 200, type: 'text/html', text: '<html><body>Welcome</body></html>' }));
    const missing = await serve(() => ({ status: 404, type: 'text/plain', text: 'not found' }));
    const otherRpc = await serve((body) => {
      const { id } = JSON.parse(body) as { id: number };
      return {
        status: 200,
        type: 'application/json',
        text: JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: 'the method does not exist/is not available' } }),
      };
    });
    const cases: [string, string][] = [
      [html, 'it answers with a web page, not JSON-RPC'],
      [missing, 'HTTP 404: no JSON-RPC there'],
      [otherRpc, 'it does not serve getVersion (the method does not exist/is not available)'],
    ];
    for (const [url, reason] of cases) {
      const printed = await consoleOn(url);
      const [preview, snapshot, health] = replies(printed);
      const said = `the RPC endpoint is not a Solana node (${reason}); check rpc.url (SOLANA_RPC_URL); nothing was done`;
      expect(preview, url).toContain(`✖ ${said}`);
      expect(snapshot, url).toContain(`✖ ${said}`);
      expect(health, url).toContain(`RPC: not a Solana node (${reason})`);
      expect(printed).not.toContain('internal error');
      expect(printed).not.toContain('some-key-path');
    }
  });
});
