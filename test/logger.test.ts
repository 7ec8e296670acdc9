import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log/logger.js';
import { isSecretKey, maskUrl, redactString } from '../src/log/redact.js';

const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const DISCORD_TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0.GxYz12.abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_KEY = Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256);

/** A logger writing JSON lines into memory, and the lines written so far. */
function capture(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes none of the secrets of a log call, and keeps what is needed to debug it', () => {
    const { logger, lines, records } = capture();
    logger.error(
      {
        wallet: { publicKey: 'DistributorPubkey1111111111111111111111111', secretKey: SECRET_KEY },
        rpc: 'https://mainnet.helius-rpc.com/?api-key=abc',
        err: new Error(`telegram sendMessage failed: 401 for https://api.telegram.org/bot${TELEGRAM_TOKEN}/sendMessage`),
      },
      'distribution halted',
    );
    const text = lines.join('\n');
    expect(text).not.toContain('api-key=abc');
    expect(text).not.toContain(TELEGRAM_TOKEN);
    expect(text).not.toContain(TELEGRAM_TOKEN.split(':')[1]);
    expect(text).not.toContain(SECRET_KEY.slice(0, 8).join(','));

    const [record] = records();
    expect(record).toMatchObject({
      msg: 'distribution halted',
      level: 50,
      wallet: { publicKey: 'DistributorPubkey1111111111111111111111111', secretKey: '***' },
      rpc: 'https://mainnet.helius-rpc.com/?api-key=***',
      err: { type: 'Error', message: 'telegram sendMessage failed: 401 for https://api.telegram.org/bot***/sendMessage' },
    });
    expect((record!['err'] as { stack: string }).stack).toContain('telegram sendMessage failed');
  });

  it('scrubs an Error logged on its own, its cause, and the message taken from it', () => {
    const { logger, lines, records } = capture();
    const cause = new Error(`Discord said 401 to token ${DISCORD_TOKEN}`);
    logger.warn(new Error(`login failed with ${TELEGRAM_TOKEN}`, { cause }));
    expect(lines.join('\n')).not.toContain(TELEGRAM_TOKEN);
    expect(lines.join('\n')).not.toContain(DISCORD_TOKEN);
    expect(records()[0]).toMatchObject({ msg: 'login failed with ***', err: { cause: { message: 'Discord said 401 to token ***' } } });
  });

  it('scrubs the message text and printf arguments', () => {
    const { logger, lines } = capture();
    logger.info('connecting to https://rpc.example.com/?api-key=abc');
    logger.info('token is %s', TELEGRAM_TOKEN);
    expect(lines[0]).toContain('https://rpc.example.com/?api-key=***');
    expect(lines.join('\n')).not.toContain('api-key=abc');
    expect(lines.join('\n')).not.toContain(TELEGRAM_TOKEN);
  });

  it('scrubs the bindings of child loggers, grandchildren included', () => {
    const { logger, lines, records } = capture();
    const child = logger.child({ endpoint: 'https://user:hunter2@rpc.example.com/', authorization: 'Bearer xyz' });
    child.child({ distributionId: 'd1' }).info('sent');
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(lines.join('\n')).not.toContain('Bearer xyz');
    expect(records()[0]).toMatchObject({ endpoint: 'https://***@rpc.example.com/', authorization: '***', distributionId: 'd1', msg: 'sent' });
  });

  it('writes bigint amounts as decimal strings instead of failing', () => {
    const { logger, records } = capture();
    logger.info({ amount: 18_446_744_073_709_551_615n }, 'planned');
    expect(records()[0]?.['amount']).toBe('18446744073709551615');
  });

  it('drops lines below the level', () => {
    const { logger, records } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(records().map((r) => r['msg'])).toEqual(['loud']);
  });

  it('writes JSON unless asked to be pretty', () => {
    const { logger, lines } = capture();
    logger.info('hello');
    expect(() => JSON.parse(lines[0] ?? '')).not.toThrow();
  });
});

describe('secret detection', () => {
  it('knows secret property names in their usual spellings', () => {
    for (const name of ['secretKey', 'private_key', 'token', 'Authorization', 'apiKey', 'api-key', 'password', 'keypair']) {
      expect(isSecretKey(name), name).toBe(true);
    }
    for (const name of ['keypairPath', 'publicKey', 'mint', 'signature', 'url']) expect(isSecretKey(name), name).toBe(false);
  });

  it('masks URL credentials and keeps scheme, host and port', () => {
    expect(maskUrl('https://example.solana-mainnet.quiknode.pro/9f8e7d6c5b4a39281706f5e4d3c2b1a0/')).toBe('https://example.solana-mainnet.quiknode.pro/***/');
    expect(maskUrl('https://eth-mainnet.g.alchemy.com/v2/abcDEF123456ghiJKL789')).toBe('https://eth-mainnet.g.alchemy.com/v2/***');
    expect(maskUrl('redis://:pw@10.0.0.5:6379')).toBe('redis://***@10.0.0.5:6379');
    expect(maskUrl('http://127.0.0.1:8899')).toBe('http://127.0.0.1:8899');
  });

  it('leaves explorer links readable: their long path segments are signatures, not keys', () => {
    const link = 'https://explorer.solana.com/tx/5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW?cluster=devnet';
    expect(redactString(`paid: ${link}`)).toBe(`paid: ${link}`);
  });

  it('finds credentials in free text without a scheme and keypair bytes quoted by JSON.parse', () => {
    expect(redactString('bad url mainnet.helius-rpc.com/?api-key=abc')).toBe('bad url mainnet.helius-rpc.com/?api-key=***');
    expect(redactString(`Unexpected token in JSON: "${JSON.stringify(SECRET_KEY)}"`)).not.toContain(SECRET_KEY.slice(0, 8).join(','));
  });
});
