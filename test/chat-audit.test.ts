/**
 * The audit log keeps what was decided, not what was pasted: through the console
 * chat, secrets pasted into options are refused in chat and never reach the store; long values are
 * cut; every entry expires after the configured retention.
 */
import { PassThrough, Readable } from 'node:stream';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/chat/audit.js';
import { KEY_MATERIAL_MARKER, looksLikeKeyMaterial } from '../src/log/key-material.js';
import { runConsole } from '../src/platforms/console/run-console.js';
import Keyv from 'keyv';
import { startChatApp, type ChatApp } from './helpers/chat-app.js';

const apps: ChatApp[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()?.close();
});

const DAY_MS = 86_400_000;

async function pipe(c: ChatApp, text: string): Promise<string> {
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  await runConsole(c.app, { input: Readable.from([text]), output, identity: { userId: 'ops' } });
  return printed;
}

describe('audit log', () => {
  it('never stores a pasted secret key, byte array or seed, cuts long values, and writes each entry with the configured retention', async () => {
    const c = await startChatApp({ config: { audit: { retentionDays: 7 } } });
    apps.push(c);
    const { baseMint } = c.harness.net.scenario;
    const secret = Keypair.generate();
    const base58Key = bs58.encode(secret.secretKey);
    const byteArray = JSON.stringify(Array.from(secret.secretKey));
    const hexSeed = Buffer.from(secret.secretKey.slice(0, 32)).toString('hex');
    const seedArray = JSON.stringify(Array.from(secret.secretKey.slice(0, 32)));
    const huge = 'A'.repeat(1_000_000);
    const before = Date.now();
    const printed = await pipe(
      c,
      [
        `/distribute preview token:${base58Key} amount:10 reward:SOL`,
        `/distribute preview token:${baseMint} amount:${byteArray} reward:SOL`,
        `/distribute preview token:${baseMint} amount:10 reward:SOL exclude:${hexSeed}`,
        `/distribute preview token:${baseMint} amount:10 reward:SOL exclude:${seedArray}`,
        `/distribute preview token:${huge} amount:10 reward:SOL`,
        `/distribute confirm id:${'x'.repeat(5_000)}`,
      ].join('\n'),
    );
    expect(c.sent()).toBe(0);
    for (const s of [base58Key, hexSeed]) expect(printed.replace(/^> .*$/gm, '')).not.toContain(s);

    const kv = c.app.store.ns('audit');
    const index = (await kv.get('index:recent')) as string[];
    expect(index).toHaveLength(6);
    const raw = await Promise.all(index.map((key) => kv.getRaw(key)));
    const stored = JSON.stringify(raw);
    for (const s of [base58Key, byteArray, hexSeed, seedArray, secret.secretKey.slice(0, 8).join(',')]) expect(stored).not.toContain(s);
    const options = raw.map((r) => (r!.value as { options: Record<string, string> }).options);
    expect(options[0]?.token).toBe(KEY_MATERIAL_MARKER);
    expect(options[1]?.amount).toBe(KEY_MATERIAL_MARKER);
    expect(options[2]?.exclude).toBe(KEY_MATERIAL_MARKER);
    expect(options[3]?.exclude).toBe(KEY_MATERIAL_MARKER);
    expect(options[1]?.token).toBe(baseMint);
    // A megabyte pasted makes an entry of a few hundred bytes that says how long the value was.
    expect(options[4]?.token).toBe(`${'A'.repeat(200)}… (1000000 characters, cut)`);
    expect(options[5]?.id).toMatch(/^x{200}… \(5000 characters, cut\)$/);
    for (const r of raw) expect(JSON.stringify(r).length).toBeLessThan(1_500);
    // Each entry expires after the configured retention.
    for (const r of raw) {
      expect(r?.expires).toBeGreaterThanOrEqual(before + 7 * DAY_MS - 1_000);
      expect(r?.expires).toBeLessThanOrEqual(Date.now() + 7 * DAY_MS + 1_000);
    }
  });

  it('drops entries older than the retention from the index it reads back', async () => {
    let now = Date.UTC(2026, 0, 1);
    const audit = new AuditLog(new Keyv(), { retentionMs: 2 * DAY_MS, now: () => now });
    const entry = (at: number) => ({
      at,
      actor: { platform: 'test', userId: 'u' },
      role: 'operator' as const,
      chat: { platform: 'test', id: 'c' },
      action: 'distribute confirm',
      outcome: 'done' as const,
    });
    await audit.record(entry(now));
    now += 3 * DAY_MS;
    await audit.record(entry(now));
    expect((await audit.recent()).map((e) => e.at)).toEqual([now]);
  });

  it('tells key material from the addresses, amounts and ids that options hold', () => {
    const kp = Keypair.generate();
    for (const key of [
      bs58.encode(kp.secretKey),
      JSON.stringify(Array.from(kp.secretKey)),
      Array.from(kp.secretKey.slice(0, 32)).join(', '),
      Buffer.from(kp.secretKey).toString('hex'),
      `0x${Buffer.from(kp.secretKey.slice(32)).toString('hex')}`,
      Buffer.from(kp.secretKey).toString('base64'),
      `a,${bs58.encode(kp.secretKey)}`,
      'legal winner thank year wave sausage worth useful legal winner thank yellow',
    ]) {
      expect(looksLikeKeyMaterial(key), key).toBe(true);
    }
    for (const value of [
      kp.publicKey.toBase58(),
      `${kp.publicKey.toBase58()},${Keypair.generate().publicKey.toBase58()}`,
      '1000',
      '0.5',
      'ab12cd34',
      'SOL',
      'proportional',
      '[1,2,3]',
    ]) {
      expect(looksLikeKeyMaterial(value), value).toBe(false);
    }
  });
});
