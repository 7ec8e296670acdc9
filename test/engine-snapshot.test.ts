import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bs58 from 'bs58';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection, Keypair, PublicKey } from '@solana/web3.js';
import { isOnCurve } from '../src/engine/curve.js';
import Keyv from 'keyv';
import { isTributaryError, type TributaryError } from '../src/engine/errors.js';
import { selectHolders, takeSnapshot } from '../src/engine/snapshot.js';
import type { Holder, SnapshotFilters } from '../src/engine/types.js';
import { base58, HolderMerger, HolderTable } from '../src/engine/holder-table.js';
import { runNow } from '../src/engine/work.js';
import { writeTokenAccount } from '../src/localnet/token-accounts.js';
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { startLocalnet, type Localnet, type SeededHolder } from '../src/localnet/index.js';
import { rejection } from './helpers/rejection.js';
import { defaultGatewayOptions } from './helpers/defaults.js';
import { RpcGateway } from '../src/solana/gateway.js';

let net: Localnet;
let connection: Connection;

beforeAll(async () => {
  net = await startLocalnet({ holders: 300, seed: 5, slotMs: 100 });
  connection = new Connection(net.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
});
afterAll(async () => net?.close());

/** What a correct snapshot reports for the seeded community: largest first, ties by owner bytes. */
function expectedHolders(seeded: SeededHolder[]): Holder[] {
  return seeded
    .map((h) => ({ owner: h.owner, amount: h.amount, offCurve: h.offCurve, tokenAccounts: h.tokenAccounts.length }))
    .sort((a, b) => (a.amount !== b.amount ? (a.amount > b.amount ? -1 : 1) : Buffer.compare(bs58.decode(a.owner), bs58.decode(b.owner))));
}

const requests = (method: string) => net.server.stats().requestsByMethod[method] ?? 0;

describe('takeSnapshot', () => {
  it('lists every wallet holding a legacy token with its accounts merged, empty accounts dropped and off-curve owners flagged', async () => {
    const { scenario } = net;
    // The seeded community must contain the cases this test is about, or it proves nothing.
    expect(scenario.holders.some((h) => h.offCurve)).toBe(true);
    expect(scenario.holders.some((h) => h.tokenAccounts.length > 1)).toBe(true);
    expect(scenario.zeroBalanceAccounts.length).toBeGreaterThan(0);

    const snapshot = await takeSnapshot(connection, scenario.baseMint);
    expect(snapshot.holders.toArray()).toEqual(expectedHolders(scenario.holders));
    expect(snapshot.program).toBe('spl-token');
    expect(snapshot.decimals).toBe(scenario.baseDecimals);
    expect(snapshot.totalAmount).toBe(scenario.holders.reduce((s, h) => s + h.amount, 0n));
    expect(snapshot.mint).toBe(scenario.baseMint);
  });

  it('lists Token-2022 holders, whose accounts are larger than 165 bytes', async () => {
    const snapshot = await takeSnapshot(connection, net.scenario.baseMint2022);
    expect(snapshot.program).toBe('spl-token-2022');
    expect(snapshot.holders.toArray()).toEqual(expectedHolders(net.scenario.holders2022));
  });

  it('records the slot the holders were read at', async () => {
    const before = await connection.getSlot();
    const snapshot = await takeSnapshot(connection, net.scenario.baseMint);
    const after = await connection.getSlot();
    expect(snapshot.slot).toBeGreaterThanOrEqual(before);
    expect(snapshot.slot).toBeLessThanOrEqual(after);
  });

  it('answers a second request within the TTL from the cache, without reading the chain again', async () => {
    const cache = new Keyv();
    const hits: boolean[] = [];
    const onCacheResult = (hit: boolean) => hits.push(hit);
    net.server.resetStats();
    const first = await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 60_000, onCacheResult });
    const second = await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 60_000, onCacheResult });
    // A few hundred holders: the first part (owners starting 0x00) tells the whole is small, the rest comes in one request.
    expect(requests('getProgramAccounts')).toBe(2);
    expect(requests('getAccountInfo')).toBe(1);
    expect(hits).toEqual([false, true]);
    expect(second).toEqual(first);
  });

  it('reads the chain again when asked to refresh, and when the cached snapshot has expired', async () => {
    const cache = new Keyv();
    net.server.resetStats();
    await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 60_000 });
    const refreshed = await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 60_000, refresh: true });
    expect(requests('getProgramAccounts')).toBe(4);
    // The refreshed snapshot replaced the cached one.
    expect((await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 300_000 })).takenAt).toBe(refreshed.takenAt);
    expect(requests('getProgramAccounts')).toBe(4);

    await takeSnapshot(connection, net.scenario.baseMint2022, { cache, ttlMs: 30 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await takeSnapshot(connection, net.scenario.baseMint2022, { cache, ttlMs: 30 });
    expect(requests('getProgramAccounts')).toBe(8);
  });

  it('refuses a TTL of zero, which the cache would read as keep forever', async () => {
    await expect(takeSnapshot(connection, net.scenario.baseMint, { cache: new Keyv(), ttlMs: 0 })).rejects.toThrow(/positive/);
  });

  it('keeps amounts exact through the cache', async () => {
    const cache = new Keyv();
    await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 300_000 });
    const cached = await takeSnapshot(connection, net.scenario.baseMint, { cache, ttlMs: 300_000 });
    expect(cached.holders.toArray()).toEqual(expectedHolders(net.scenario.holders));
    expect(typeof cached.totalAmount).toBe('bigint');
  });

  it('refuses a wallet, naming its address as not a mint', async () => {
    const e = await rejection(takeSnapshot(connection, net.scenario.distributor));
    expect(e.code).toBe('NOT_A_MINT');
    expect(e.userMessage).toBe(`token ${net.scenario.distributor} is a wallet, not a token mint`);
  });

  it('refuses a token account and says to use the mint address instead', async () => {
    const account = net.scenario.holders[0]?.tokenAccounts[0] ?? '';
    const e = await rejection(takeSnapshot(connection, account));
    expect(e.code).toBe('NOT_A_MINT');
    expect(e.userMessage).toContain(account);
    expect(e.userMessage).toContain('token account');
  });

  it('refuses an address where no account exists', async () => {
    const nobody = Keypair.generate().publicKey.toBase58();
    const e = await rejection(takeSnapshot(connection, nobody));
    expect(e.code).toBe('NOT_A_MINT');
    expect(e.userMessage).toContain(nobody);
  });

  it('refuses a malformed address without asking the chain', async () => {
    net.server.resetStats();
    const e = await rejection(takeSnapshot(connection, 'not-a-mint', { cache: new Keyv(), ttlMs: 300_000 }));
    expect(e.code).toBe('INVALID_ADDRESS');
    expect(e.userMessage).toContain('"not-a-mint"');
    expect(net.server.stats().requestsByMethod).toEqual({});
  });
});

describe('takeSnapshot of a large mint', () => {
  let big: Localnet;
  let bigConnection: Connection;
  beforeAll(async () => {
    big = await startLocalnet({ holders: 5, seed: 9, slotMs: 100, bulkHolders: 3_000 });
    bigConnection = new Connection(big.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  });
  afterAll(async () => big?.close());

  /** The holders a correct snapshot reports, merged from the chain's own arrays (not through any RPC). */
  function bulkHolders(): Holder[] {
    const bulk = big.bulk;
    if (!bulk) throw new Error('no bulk mint');
    const merger = new HolderMerger();
    for (let i = 0; i < bulk.count; i++) merger.add(bulk.ownerBytes(i), 0, bulk.amount(i));
    return runNow(merger.finish()).toArray();
  }
  const gpaRequests = () => big.server.stats().requestsByMethod['getProgramAccounts'] ?? 0;

  it('reads the holders in 256 parts by the owner first byte, holder for holder the same as one request and as DAS pages', async () => {
    const mint = big.scenario.bulkMint as string;
    const expected = bulkHolders();
    expect(expected.length).toBe(3_000);
    // The community has what merging is about: owners with two accounts, and empty accounts.
    expect(big.bulk?.count).toBeGreaterThan(3_000 + 100);

    big.server.resetStats();
    const single = await takeSnapshot(bigConnection, mint, { split: 'single' });
    expect(gpaRequests()).toBe(1);
    big.server.resetStats();
    const parts = await takeSnapshot(bigConnection, mint, { split: 'parts' });
    expect(gpaRequests()).toBe(256);
    // Through the gateway, as the app reads: paced and retried, the one-request answer (~0.9 MB)
    // decoded on the decoder thread.
    const gateway = new RpcGateway(defaultGatewayOptions(big.rpcUrl, { commitment: 'confirmed' }));
    let viaGateway: Awaited<ReturnType<typeof takeSnapshot>>;
    try {
      viaGateway = await takeSnapshot(gateway.connection('bulk'), mint, { split: 'single' });
    } finally {
      await gateway.close();
    }
    big.server.resetStats();
    const das = await takeSnapshot(bigConnection, mint, { source: 'das' });
    // 3,000 holders' ~3,240 accounts with a balance: 4 pages of 1,000 and an empty one that ends it.
    expect(big.server.stats().requestsByMethod['getTokenAccounts']).toBe(5);
    expect(gpaRequests()).toBe(0);

    expect(single.holders.toArray()).toEqual(expected);
    expect(parts.holders.toArray()).toEqual(expected);
    expect(viaGateway.holders.toArray()).toEqual(expected);
    expect(das.holders.toArray()).toEqual(expected);
    expect(parts.totalAmount).toBe(big.bulk?.supply);
    expect(parts.slot).toBeGreaterThan(0);
  });

  it('splits when the node refuses a large answer, down to two-byte owner prefixes, and loses nobody', async () => {
    const mint = big.scenario.bulkMint as string;
    const expected = bulkHolders();
    big.server.configure({ maxProgramAccounts: 1_000 });
    try {
      big.server.resetStats();
      // The first part (~13 accounts) says "small": the rest in one request is refused, so 255 parts follow.
      const refusedWhole = await takeSnapshot(bigConnection, mint);
      expect(refusedWhole.holders.toArray()).toEqual(expected);
      expect(gpaRequests()).toBe(1 + 1 + 255);

      // A limit just under the largest part: that part alone is asked again in 256 two-byte parts.
      const bulk = big.bulk as NonNullable<typeof big.bulk>;
      const perFirstByte = new Array<number>(256).fill(0);
      for (let i = 0; i < bulk.count; i++) {
        const b = bulk.ownerBytes(i)[0] as number;
        perFirstByte[b] = (perFirstByte[b] as number) + 1;
      }
      const largest = Math.max(...perFirstByte);
      const overLimit = perFirstByte.filter((n) => n > largest - 1).length;
      big.server.configure({ maxProgramAccounts: largest - 1 });
      big.server.resetStats();
      const split = await takeSnapshot(bigConnection, mint, { split: 'parts' });
      expect(split.holders.toArray()).toEqual(expected);
      expect(gpaRequests()).toBe(256 + overLimit * 256);
    } finally {
      big.server.configure({ maxProgramAccounts: null });
    }
  });

  it('says what to do instead when the node does not serve the query at all, never returns a partial list', async () => {
    const mint = big.scenario.bulkMint as string;
    big.server.configure({ tokenProgramScans: false });
    try {
      const e = await rejection(takeSnapshot(bigConnection, mint));
      expect(e.code).toBe('SNAPSHOT_REFUSED');
      expect(e.userMessage).toContain('does not serve getProgramAccounts');
      expect(e.userMessage).toContain('snapshot.source to "das"');
      // The paged source still works on the same endpoint.
      expect((await takeSnapshot(bigConnection, mint, { source: 'das' })).holders.length).toBe(3_000);
    } finally {
      big.server.configure({ tokenProgramScans: true });
    }
    big.server.configure({ maxProgramAccounts: 0 });
    try {
      const e = await rejection(takeSnapshot(bigConnection, mint, { split: 'parts' }));
      expect(e.code).toBe('SNAPSHOT_REFUSED');
      expect(e.userMessage).toContain('too large, even split into 65,536 parts');
    } finally {
      big.server.configure({ maxProgramAccounts: null });
    }
  });

  it('refuses a node that ignores the owner-prefix filter of a part, instead of counting its accounts in every part', async () => {
    // A stand-in for such a node: the local chain behind a proxy that drops the filter on the owner.
    const proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', async () => {
        const call = JSON.parse(body) as { method?: string; params?: [string, { filters?: { memcmp?: { offset: number } }[] }] };
        const config = call.method === 'getProgramAccounts' ? call.params?.[1] : undefined;
        if (config?.filters) config.filters = config.filters.filter((f) => f.memcmp?.offset !== 32);
        const answer = await fetch(big.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      });
    });
    await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
    try {
      const ignoring = new Connection(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, { commitment: 'confirmed', disableRetryOnRateLimit: true });
      for (const split of ['parts', 'auto'] as const) {
        const e = await takeSnapshot(ignoring, big.scenario.bulkMint as string, { split }).then(
          (s) => new Error(`a snapshot of ${s.holders.length} holders, ${s.totalAmount} in all`),
          (err: unknown) => err,
        );
        expect(String(e)).toMatch(/outside the owner prefix .* \(memcmp filter ignored\?\)/);
      }
    } finally {
      await new Promise((closed) => proxy.close(closed));
    }
  });

  it('says what to do when the endpoint does not serve DAS, or answers it with something that is not JSON', async () => {
    // The chain for the mint and the slot; for the DAS method, a node without it, then a gateway page (an HTML error in a 200).
    let dasAnswer = { type: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }) };
    const proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', async () => {
        if ((JSON.parse(body) as { method?: string }).method === 'getTokenAccounts') {
          res.writeHead(200, { 'content-type': dasAnswer.type });
          res.end(dasAnswer.body);
          return;
        }
        const answer = await fetch(big.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      });
    });
    await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
    try {
      const html = new Connection(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, { commitment: 'confirmed', disableRetryOnRateLimit: true });
      const mint = big.scenario.bulkMint as string;
      const notServed = await rejection(takeSnapshot(html, mint, { source: 'das' }));
      expect(notServed.code).toBe('SNAPSHOT_REFUSED');
      expect(notServed.userMessage).toBe(
        `the RPC endpoint does not serve the DAS method getTokenAccounts, so the holders of ${mint} cannot be read from it. Use a DAS provider (Helius, Triton and others) or set snapshot.source to "getProgramAccounts"; nothing was left out quietly`,
      );
      dasAnswer = { type: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' };
      const notJson = await rejection(takeSnapshot(html, mint, { source: 'das' }));
      expect(notJson.userMessage).toContain(`getTokenAccounts (DAS) answer for ${mint} (technical detail: getTokenAccounts: the answer is not JSON (41 characters) (-32700))`);
    } finally {
      await new Promise((closed) => proxy.close(closed));
    }
  });

  it('reads an amount above 2^53 exactly from DAS, whose JSON number cannot carry it', async () => {
    const whale = Keypair.generate().publicKey;
    const huge = (1n << 60n) + 12_345n;
    writeTokenAccount(big.chain, { address: Keypair.generate().publicKey, program: TOKEN_PROGRAM_ID, mint: big.scenario.baseMint, owner: whale, amount: huge });
    const snapshot = await takeSnapshot(bigConnection, big.scenario.baseMint, { source: 'das' });
    expect(snapshot.holders.toArray().find((h) => h.owner === whale.toBase58())?.amount).toBe(huge);
    const viaGpa = await takeSnapshot(bigConnection, big.scenario.baseMint);
    expect(snapshot.holders.toArray()).toEqual(viaGpa.holders.toArray());
  });
});

describe('base58 of an owner', () => {
  it('is what bs58 gives, leading zero bytes and all, as one flat string', () => {
    const cases: Uint8Array[] = [new Uint8Array(32), Uint8Array.from([0, 0, 1, ...Keypair.generate().publicKey.toBytes().subarray(3)]), new Uint8Array(32).fill(255)];
    for (let i = 0; i < 500; i++) cases.push(Keypair.generate().publicKey.toBytes());
    for (const bytes of cases) expect(base58(bytes)).toBe(bs58.encode(bytes));
  });
});

describe('holder filters (selectHolders)', () => {
  const h = (owner: string, amount: bigint, offCurve = false): Holder => ({ owner, amount, offCurve, tokenAccounts: 1 });
  // Real addresses, because the exclude list is validated.
  const [a, b, c, d, e] = Array.from({ length: 5 }, () => Keypair.generate().publicKey.toBase58()) as [string, string, string, string, string];
  const holders: Holder[] = [h(a, 500n), h(b, 400n, true), h(c, 300n), h(d, 200n), h(e, 100n)];
  const none = { excluded: 0, 'off-curve': 0, 'below-minimum': 0, 'beyond-max': 0 };
  /** The owners that pass, in order, and how many were left out for each reason. */
  const filtered = (list: Holder[], filters?: SnapshotFilters) => {
    const table = HolderTable.fromHolders(list);
    const { rows, excluded } = selectHolders(table, filters);
    return { owners: Array.from(rows, (row) => table.owner(row)), excluded };
  };

  it('leaves off-curve owners out by default and keeps them when asked', () => {
    expect(filtered(holders)).toEqual({ owners: [a, c, d, e], excluded: { ...none, 'off-curve': 1 } });
    expect(filtered(holders, { includeOffCurve: true }).owners).toEqual([a, b, c, d, e]);
  });

  it('leaves out holders below the minimum balance, keeping those exactly at it', () => {
    expect(filtered(holders, { minBalance: 200n })).toEqual({ owners: [a, c, d], excluded: { ...none, 'off-curve': 1, 'below-minimum': 1 } });
  });

  it('leaves out excluded addresses, whatever spaces surround them', () => {
    expect(filtered(holders, { exclude: [` ${a}`, `${c} `] })).toEqual({ owners: [d, e], excluded: { ...none, excluded: 2, 'off-curve': 1 } });
  });

  it('keeps the largest holders up to the maximum, after the other filters', () => {
    expect(filtered(holders, { maxRecipients: 2, exclude: [a] })).toEqual({ owners: [c, d], excluded: { excluded: 1, 'off-curve': 1, 'below-minimum': 0, 'beyond-max': 1 } });
  });

  it('keeps the largest up to the maximum even if the holder list arrives unordered', () => {
    expect(filtered([...holders].reverse(), { maxRecipients: 1 }).owners).toEqual([a]);
  });

  it('names the bad address in an exclude list', () => {
    let error: unknown;
    try {
      filtered(holders, { exclude: [a, 'oops'] });
    } catch (err) {
      error = err;
    }
    expect(isTributaryError(error, 'INVALID_ADDRESS')).toBe(true);
    expect((error as TributaryError).userMessage).toBe('exclude "oops" is not a Solana address (expected 32 to 44 base58 characters)');
  });

  it('refuses a maximum below one and a negative minimum', () => {
    expect(() => filtered(holders, { maxRecipients: 0 })).toThrow(/at least 1/);
    expect(() => filtered(holders, { maxRecipients: 2.5 })).toThrow(/whole number/);
    expect(() => filtered(holders, { minBalance: -1n })).toThrow(/negative/);
  });
});

describe('isOnCurve', () => {
  /** 32 bytes holding `y` little-endian, with the x sign bit set or not. */
  const encode = (y: bigint, signBit: boolean): Uint8Array => {
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[i] = Number((y >> BigInt(8 * i)) & 0xffn);
    if (signBit) bytes[31] = (bytes[31] ?? 0) | 0x80;
    return bytes;
  };
  const p = 2n ** 255n - 19n;

  it('agrees with web3.js on wallets, program-derived addresses and arbitrary bytes', () => {
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 2_000; i++) inputs.push(createHash('sha256').update(`arbitrary ${i}`).digest());
    for (let i = 0; i < 300; i++) inputs.push(Keypair.generate().publicKey.toBytes());
    for (let i = 0; i < 300; i++) inputs.push(PublicKey.findProgramAddressSync([Buffer.from(`vault ${i}`)], PublicKey.default)[0].toBytes());
    let onCurve = 0;
    for (const bytes of inputs) {
      expect(isOnCurve(bytes), Buffer.from(bytes).toString('hex')).toBe(PublicKey.isOnCurve(bytes));
      if (isOnCurve(bytes)) onCurve++;
    }
    // Both kinds occur, so the agreement is not on a constant answer.
    expect(onCurve).toBeGreaterThan(300);
    expect(onCurve).toBeLessThan(inputs.length - 300);
  });

  it('agrees with web3.js on the edge cases: x = 0 with either sign, and y at or beyond the field size', () => {
    for (const y of [0n, 1n, 2n, p - 1n, p - 2n, p, p + 1n, 2n ** 255n - 1n]) {
      for (const signBit of [false, true]) {
        const bytes = encode(y, signBit);
        expect(isOnCurve(bytes), `y=${y} sign=${signBit}`).toBe(PublicKey.isOnCurve(bytes));
      }
    }
  });

  it('flags the seeded off-curve owners and only them', () => {
    for (const h of net.scenario.holders) expect(isOnCurve(new PublicKey(h.owner).toBytes())).toBe(!h.offCurve);
  });
});
