/**
 * Secrets in the RPC URL, through the app as `npm start` wires it: a local chain
 * behind an endpoint whose path carries an API key, the console chat, the log file and `config show`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { explorerLink } from '../src/app/rpc-options.js';
import { maskUrl, redactString, urlCarriesSecret } from '../src/log/redact.js';
import type { Localnet } from '../src/localnet/index.js';
import { appOnLocalnet, startConsoleApp } from './helpers/app-config.js';

const KEY = 'SEKRETAPIKEY0123456789abcdef';
const SIG = '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('one rule for what is secret in a URL', () => {
  it('finds a key in the userinfo, the query or a key-like path segment on any host, and nothing in a plain endpoint', () => {
    for (const url of [
      `http://127.0.0.1:18899/${KEY}`,
      'https://mainnet.helius-rpc.com/?api-key=0a1b2c3d',
      'https://x.solana-mainnet.quiknode.pro/9f8e7d6c5b4a39281706f5e4d3c2b1a0/',
      'https://user:pw@rpc.example.com',
      'https://rpc.example.com/v1/abcdefghijklmnopqrstuvwxyzabcdefgh',
    ]) {
      expect(urlCarriesSecret(url), url).toBe(true);
      expect(maskUrl(url), url).toContain('***');
    }
    for (const url of ['http://127.0.0.1:8899', 'https://api.devnet.solana.com/', 'https://rpc.example.com/solana/mainnet-beta']) {
      expect(urlCarriesSecret(url), url).toBe(false);
      expect(maskUrl(url)).toBe(url);
    }
  });

  it('puts an endpoint into an explorer link only when the same rule finds nothing secret in it', () => {
    expect(explorerLink('localnet', `http://127.0.0.1:18899/${KEY}`, SIG)).toBeNull();
    expect(explorerLink('localnet', 'https://x.solana-mainnet.quiknode.pro/9f8e7d6c5b4a39281706f5e4d3c2b1a0/', SIG)).toBeNull();
    expect(explorerLink('localnet', 'https://mainnet.helius-rpc.com/?api-key=abc', SIG)).toBeNull();
    expect(explorerLink('localnet', 'http://127.0.0.1:8899', SIG)).toBe(
      `https://explorer.solana.com/tx/${SIG}?cluster=custom&customUrl=${encodeURIComponent('http://127.0.0.1:8899')}`,
    );
    expect(explorerLink('devnet', `https://devnet.example/${KEY}`, SIG)).toBe(`https://explorer.solana.com/tx/${SIG}?cluster=devnet`);
    // An explorer link in a log line stays readable: its long segments are a signature.
    expect(redactString(`https://explorer.solana.com/tx/${SIG}`)).toBe(`https://explorer.solana.com/tx/${SIG}`);
  });
});

describe('an RPC key in the URL path', () => {
  it('reaches neither /rewards, /config show nor the log when the app runs against such an endpoint', async () => {
    const { net, dataDir, config } = await appOnLocalnet({ holders: 6, seed: 11, slotMs: 50 }, cleanups, (n) => ({ rpc: { url: `${n.rpcUrl}/${KEY}` }, log: { level: 'debug' } }));
    const { app, input, printed } = await startConsoleApp(config, cleanups);

    const holder = (net as Localnet).scenario.holders[0]?.owner as string;
    input.write(`/distribute preview token:${net.scenario.baseMint} amount:5 reward:SOL\n/distribute confirm id:last\n`);
    await waitFor(() => (/· completed/.test(printed()) ? true : undefined));
    input.write(`/rewards wallet:${holder}\n/config show\n`);
    input.end();
    await app.finished;
    await app.stop();

    expect(printed()).toMatch(new RegExp(`${holder}:\\n  \\w{8} · [\\d.]+ SOL · paid · \\S+ · signature \\w{80,90}`));
    expect(printed()).toContain('RPC http://127.0.0.1');
    expect(printed()).not.toContain(KEY);
    const exports = join(dataDir, 'exports');
    for (const file of readdirSync(exports)) expect(readFileSync(join(exports, file), 'utf8'), file).not.toContain(KEY);
    const log = readFileSync(join(dataDir, 'tributary.log'), 'utf8');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(KEY);
  });
});

async function waitFor<T>(read: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
