import { existsSync, readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import bs58 from 'bs58';
import { nativeSigner } from '../src/solana/signer.js';
import { Keypair } from '@solana/web3.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runConsole } from '../src/platforms/console/run-console.js';
import { startChatApp, type ChatApp } from './helpers/chat-app.js';

const apps: ChatApp[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()?.close();
});

async function chatApp(...args: Parameters<typeof startChatApp>): Promise<ChatApp> {
  const app = await startChatApp(...args);
  apps.push(app);
  return app;
}

function script(name: string, vars: Record<string, string>): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').replace(/\{(\w+)\}/g, (_, key: string) => vars[key] ?? `{${key}}`);
}

/** Runs a whole script as piped stdin; resolves with everything printed. */
async function pipe(c: ChatApp, text: string, identity: Parameters<typeof runConsole>[1]['identity'] = {}): Promise<string> {
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  await runConsole(c.app, { input: Readable.from([text]), output, identity: { userId: 'ops', ...identity } });
  return printed;
}

describe('console chat', () => {
  it('runs an operator script from stdin: preview, confirm, progress, then the summary and the CSV path before it ends', async () => {
    const c = await chatApp();
    const { scenario } = c.harness.net;
    const printed = await pipe(c, script('console-operator.txt', { baseMint: scenario.baseMint, rewardMint: scenario.rewardMint }));

    expect(printed).toContain('> /help');
    expect(printed).toContain('/distribute preview token:<token>');
    expect(printed).toMatch(/Holders of \S+ at slot \d+/);
    const planId = /Plan (\w{8}) \(localnet\)/.exec(printed)?.[1];
    expect(planId).toBeDefined();
    expect(printed).toContain(`/distribute confirm id:${planId}`);
    expect(printed).toContain(`Distribution ${planId} confirmed by ops (console)`);
    expect(printed).toMatch(new RegExp(`Distribution ${planId} · completed\\n\\[█{20}\\] \\d+/\\d+ paid · 0 failed\\nSuccess rate 100%`));
    const csvPath = /Saved tributary-\w+\.csv: (.+)/.exec(printed)?.[1];
    expect(csvPath && existsSync(csvPath)).toBe(true);
    expect(readFileSync(csvPath as string, 'utf8')).toContain(c.holder.publicKey.toBase58());
    expect(c.sent()).toBeGreaterThan(0);
    // Nothing printed twice in a row: progress lines change or are not printed.
    const lines = printed.split('\n').filter((l) => l.startsWith(`Distribution ${planId} · running`));
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('lets a holder link a wallet by signing the one-time message, then shows what it received with an explorer link', async () => {
    const c = await chatApp();
    const { scenario } = c.harness.net;
    // Equal shares: every new wallet gets more than the rent-exempt minimum, so the plan can be confirmed.
    await pipe(c, `/distribute preview token:${scenario.baseMint} amount:50 reward:SOL mode:equal\n/distribute confirm id:last\n`);

    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const done = runConsole(c.app, { input, output, identity: { userId: 'holder-1', role: 'holder' } });
    input.write('/wallet link\n');
    const message = await waitFor(() => /^(Tributary wallet link \| .+)$/m.exec(printed)?.[1]);
    const signature = bs58.encode(nativeSigner(c.holder)(new TextEncoder().encode(message)));
    input.write(`/wallet verify address:${c.holder.publicKey.toBase58()} signature:${signature}\n/wallet show\n/rewards\n`);
    input.end();
    await done;

    expect(printed).toContain(`Linked ${c.holder.publicKey.toBase58()}`);
    expect(printed).toMatch(/\w{8} · [\d.]+ SOL · paid · .+ · https:\/\/explorer\.solana\.com\/tx\/\w+\?cluster=custom/);
    const audit = await c.app.store.ns('audit').get('index:recent');
    expect(audit).toHaveLength(4); // preview, confirm, link, verify
  });

  it('refuses a holder who tries to preview or confirm, and sends nothing', async () => {
    const c = await chatApp();
    const { scenario } = c.harness.net;
    const printed = await pipe(c, `/distribute preview token:${scenario.baseMint} amount:10 reward:SOL\n/distribute confirm id:abcdefgh\n/help\n`, { role: 'holder' });
    expect(printed).toContain('/distribute preview is for operators, and you are not one here.');
    expect(printed).toContain('/distribute confirm is for operators');
    expect(printed).not.toContain('/distribute preview token:<token>');
    expect(printed).toContain('/rewards');
    expect(c.sent()).toBe(0);
  });

  it('answers bad input with what is wrong and changes nothing', async () => {
    const c = await chatApp();
    const { scenario } = c.harness.net;
    const printed = await pipe(
      c,
      [
        `/distribute preview token:${scenario.baseMint} amount:1,000 reward:SOL`,
        `/distribute preview token:${scenario.baseMint} amount:10 reward:SOL mode:random`,
        '/distribute launch',
        '/distribute preview token:"unclosed',
        `/distribute confirm`,
        '/frobnicate',
      ].join('\n'),
    );
    expect(printed).toContain('amount "1,000" contains a separator');
    expect(printed).toContain('mode must be one of proportional, equal');
    expect(printed).toContain('/distribute has no "launch"');
    expect(printed).toContain('a quote is not closed');
    expect(printed).toContain('id is required');
    expect(printed).toContain('there is no command /frobnicate');
    expect(c.sent()).toBe(0);
    expect(await c.harness.engine.ledger.distributionIds()).toEqual([]);
  });
});

describe('console chat, small things said right', () => {
  it('says that min must be zero or more, and that an expired wallet message expired', async () => {
    const c = await chatApp();
    const mint = c.harness.net.scenario.baseMint;
    const printed = await pipe(
      c,
      `/distribute preview token:${mint} amount:1 reward:SOL min:-1\n/holders snapshot token:${mint} min:-0.5\n/holders snapshot token:${mint} min:0\n`,
    );
    expect(printed).toContain('✖ min -1 is negative; it must be zero or more (min:0 counts every holder)');
    expect(printed).toContain('✖ min -0.5 is negative; it must be zero or more');
    expect(printed).toMatch(/Holders of \S+ at slot \d+/);
    expect(printed).not.toContain('more than zero');

    const input = new PassThrough();
    const output = new PassThrough();
    let said = '';
    output.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
    const done = runConsole(c.app, { input, output, identity: { userId: 'holder-1', role: 'holder' } });
    input.write('/wallet link\n');
    const message = await waitFor(() => /^(Tributary wallet link \| .+)$/m.exec(said)?.[1]);
    const signature = bs58.encode(nativeSigner(c.holder)(new TextEncoder().encode(message)));
    // Eleven minutes later: the message (valid for ten) has expired.
    const realNow = Date.now.bind(Date);
    const later = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 11 * 60_000);
    try {
      input.write(`/wallet verify address:${c.holder.publicKey.toBase58()} signature:${signature}\n`);
      await waitFor(() => (said.includes('✖ the message') ? true : undefined));
    } finally {
      later.mockRestore();
    }
    input.write('/wallet verify address:' + c.holder.publicKey.toBase58() + ' signature:' + signature + '\n');
    input.end();
    await done;
    expect(said).toContain('✖ the message to sign has expired; run /wallet link again for a new one, and sign it within 10 minutes');
    // Once told, the expired message is gone: a second try is told to ask for one.
    expect(said).toContain('✖ there is no message for you to sign; run /wallet link first');
    expect(said).not.toContain('Linked ');
  });
});

describe('console chat, hostile input', () => {
  it('names the actual problem of each bad line, shows invisible characters escaped, cuts echoes and pollutes no prototype', async () => {
    const c = await chatApp();
    const mint = c.harness.net.scenario.baseMint;
    const base = `token:${mint} amount:1 reward:SOL`;
    const secretKey = bs58.encode(Keypair.generate().secretKey);
    const lines = [
      `/distribute preview __proto__:x ${base}`,
      `/distribute preview constructor:x ${base}`,
      `/distribute preview ${'a'.repeat(33)}:x ${base}`,
      `/distribute preview ${base} \`exclude:${mint}\``,
      `/distribute preview amount:1 reward:SOL \uFEFFtoken:${mint}`,
      '/distribute preview without slash',
      `/distribute preview ${base} max:99999999999999999`,
      `/distribute preview token:${mint} amount:1\u200b0 reward:SOL`,
      `/${'x'.repeat(300_000)}`,
      // A secret key pasted where an echo would show it: with an invisible character, and as stray words.
      `/distribute preview token:${secretKey.slice(0, 40)}\u200b${secretKey.slice(40)} amount:1 reward:SOL`,
      `/distribute preview ${secretKey} ${secretKey}`,
      secretKey,
    ];
    const printed = await pipe(c, lines.join('\n'));
    const replies = printed.split('\n').filter((l) => l.startsWith('✖ '));
    expect(replies).toEqual([
      expect.stringMatching(/^✖ \/distribute preview has no option __proto__:; it takes token: amount: reward: /),
      expect.stringMatching(/^✖ \/distribute preview has no option constructor:; it takes token: /),
      expect.stringMatching(/^✖ \/distribute preview has no option a{31}…:; it takes token: /),
      expect.stringMatching(/^✖ backticks are not quotes here: "`exclude:\w{10,}…"; write name:value without them/),
      expect.stringMatching(/^✖ "\\ufefftoken:\w{10,}…" contains an invisible character \(\\ufeff\)/),
      '✖ /distribute preview: "without", "slash" are not name:value; write options as name:value: /distribute preview token:<token> amount:<amount> reward:<reward> [mode:<proportional|equal>] [min:<min>] [exclude:<exclude>] [max:<number>] [offcurve:<true|false>] [refresh:<true|false>]',
      '✖ /distribute preview: max is too large; it must be a whole number from -9007199254740991 to 9007199254740991',
      expect.stringMatching(/^✖ "amount:1\\u200b0" contains an invisible character \(\\u200b\), often left by copying/),
      `✖ there is no command /${'x'.repeat(39)}…; /help lists the commands you may run`,
      '✖ "(not shown: it looks like a private key)" contains an invisible character (\\u200b), often left by copying from a web page or a document; type it again without it',
      expect.stringMatching(/^✖ \/distribute preview: "\(not shown: it looks like a private key\)", "\(not shown: it looks like a private key\)" are not name:value/),
      '✖ there is no command /(not shown: it looks like a private key); /help lists the commands you may run',
    ]);
    for (const reply of replies) expect(reply).not.toContain(secretKey.slice(0, 12));
    // A 300 KB line comes back as a few hundred characters, in the transcript too.
    expect(printed.length).toBeLessThan(6_000);
    expect(printed).not.toContain('\u200b');
    expect(Object.prototype).not.toHaveProperty('x');
    expect(c.sent()).toBe(0);
    expect(await c.harness.engine.ledger.distributionIds()).toEqual([]);
  });
});

async function waitFor<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
