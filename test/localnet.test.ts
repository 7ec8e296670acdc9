import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, Transaction, sendAndConfirmTransaction } from '@solana/web3.js';
import {
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import { startLocalnet, type Localnet } from '../src/localnet/index.js';
import { LocalChain } from '../src/localnet/chain.js';
import { PubSubServer } from '../src/localnet/pubsub.js';
import { RpcServer } from '../src/localnet/rpc-server.js';

let net: Localnet;
let connection: Connection;
let distributor: Keypair;

beforeAll(async () => {
  net = await startLocalnet({ holders: 60, seed: 7, slotMs: 100 });
  connection = new Connection(net.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  distributor = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(net.scenario.keypairPath, 'utf8')) as number[]));
});
afterAll(async () => net?.close());

describe('local chain over JSON-RPC', () => {
  it('lands a SOL transfer sent by an unmodified web3.js Connection and shows the new balances', async () => {
    const to = Keypair.generate().publicKey;
    const before = await connection.getBalance(distributor.publicKey);
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: distributor.publicKey, toPubkey: to, lamports: LAMPORTS_PER_SOL / 2 }));
    const signature = await sendAndConfirmTransaction(connection, tx, [distributor]);
    expect(signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(await connection.getBalance(to)).toBe(LAMPORTS_PER_SOL / 2);
    expect(await connection.getBalance(distributor.publicKey)).toBe(before - LAMPORTS_PER_SOL / 2 - 5000);
  });

  it('lands an SPL transfer to a new associated token account', async () => {
    const mint = new PublicKey(net.scenario.rewardMint);
    const owner = Keypair.generate().publicKey;
    const ata = getAssociatedTokenAddressSync(mint, owner);
    const source = getAssociatedTokenAddressSync(mint, distributor.publicKey);
    const sourceBefore = await connection.getTokenAccountBalance(source);
    const tx = new Transaction().add(
      createAssociatedTokenAccountIdempotentInstruction(distributor.publicKey, ata, owner, mint),
      createTransferCheckedInstruction(source, mint, ata, distributor.publicKey, 1_234_567n, net.scenario.rewardDecimals),
    );
    await sendAndConfirmTransaction(connection, tx, [distributor]);
    const balance = await connection.getTokenAccountBalance(ata);
    expect(balance.value.amount).toBe('1234567');
    expect(balance.value.uiAmountString).toBe('1.234567');
    const sourceAfter = await connection.getTokenAccountBalance(source);
    expect(BigInt(sourceBefore.value.amount) - BigInt(sourceAfter.value.amount)).toBe(1_234_567n);
    const parsed = await connection.getParsedTokenAccountsByOwner(owner, { mint });
    expect(parsed.value).toHaveLength(1);
  });

  it('getProgramAccounts with dataSize, memcmp and dataSlice returns exactly the seeded token accounts', async () => {
    const accounts = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, {
      filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: net.scenario.baseMint } }],
      dataSlice: { offset: 32, length: 40 },
    });
    const expected = new Set([...net.scenario.holders.flatMap((h) => h.tokenAccounts), ...net.scenario.zeroBalanceAccounts]);
    expect(new Set(accounts.map((a) => a.pubkey.toBase58()))).toEqual(expected);
    for (const { account } of accounts) expect(account.data.length).toBe(40);
    const byOwner = new Map<string, bigint>();
    for (const { account } of accounts) {
      const owner = new PublicKey(account.data.subarray(0, 32)).toBase58();
      byOwner.set(owner, (byOwner.get(owner) ?? 0n) + account.data.readBigUInt64LE(32));
    }
    for (const holder of net.scenario.holders) expect(byOwner.get(holder.owner)).toBe(holder.amount);
  });

  it('finds Token-2022 holders, whose accounts are larger than 165 bytes, with memcmp alone', async () => {
    const accounts = await connection.getProgramAccounts(TOKEN_2022_PROGRAM_ID, {
      filters: [{ memcmp: { offset: 0, bytes: net.scenario.baseMint2022 } }],
    });
    const expected = new Set([...net.scenario.holders2022.flatMap((h) => h.tokenAccounts), ...net.scenario.zeroBalanceAccounts2022]);
    expect(new Set(accounts.map((a) => a.pubkey.toBase58()))).toEqual(expected);
    expect(accounts.every((a) => a.account.data.length === 170)).toBe(true);
  });

  it('refuses a transaction over 1,232 bytes in sendTransaction and simulateTransaction, as a node does, and lands nothing', async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const recipients = Array.from({ length: 40 }, () => Keypair.generate().publicKey);
    const tx = new Transaction({ feePayer: distributor.publicKey, recentBlockhash: blockhash });
    for (const to of recipients) tx.add(SystemProgram.transfer({ fromPubkey: distributor.publicKey, toPubkey: to, lamports: 1_000_000 }));
    tx.sign(distributor);
    // web3.js refuses to serialize it; the bytes are what a node would be sent: one signature, then the message.
    const wire = Buffer.concat([Buffer.from([1]), tx.signatures[0]?.signature as Buffer, tx.serializeMessage()]);
    expect(wire.length).toBeGreaterThan(1232);
    for (const method of ['sendTransaction', 'simulateTransaction']) {
      const res = await fetch(net.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [wire.toString('base64'), { encoding: 'base64' }] }),
      });
      const body = (await res.json()) as { error?: { code: number; message: string } };
      expect(body.error?.code, method).toBe(-32602);
      expect(body.error?.message).toContain(`too large: ${wire.length} bytes (max: 1232 bytes)`);
    }
    expect(await connection.getBalance(recipients[0] as PublicKey)).toBe(0);
  });

  it('expires a blockhash after 150 blocks: a late transaction is dropped, never landed', async () => {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
    const tx = new Transaction({ feePayer: distributor.publicKey, blockhash, lastValidBlockHeight }).add(
      SystemProgram.transfer({ fromPubkey: distributor.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL }),
    );
    tx.sign(distributor);
    net.chain.advance(151);
    expect(await connection.getBlockHeight()).toBeGreaterThan(lastValidBlockHeight);
    const sig = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    const status = await connection.getSignatureStatuses([sig]);
    expect(status.value[0]).toBeNull();
    await expect(connection.sendRawTransaction(tx.serialize())).rejects.toThrow(/Blockhash not found/);
  });

  it('answers a JSON-RPC batch and counts requests by method', async () => {
    net.server.resetStats();
    const res = await fetch(net.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getSlot' },
        { jsonrpc: '2.0', id: 2, method: 'getBlockHeight' },
        { jsonrpc: '2.0', id: 3, method: 'getSlot' },
      ]),
    });
    const body = (await res.json()) as { id: number; result: number }[];
    expect(body.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(net.server.stats().requestsByMethod).toEqual({ getSlot: 2, getBlockHeight: 1 });
  });
});

describe('emulated provider limits and faults', () => {
  it('answers 429 past the budget with a Retry-After that names when the window frees up', async () => {
    const limited = await startLocalnet({ holders: 0, rateLimit: { requestsPerWindow: 5, perMethodPerWindow: 3, windowMs: 4000 } });
    try {
      const call = (method: string) =>
        fetch(limited.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }) });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call('getSlot')).status);
      const perMethod = await call('getSlot');
      expect(statuses).toEqual([200, 200, 200]);
      expect(perMethod.status).toBe(429);
      expect(Number(perMethod.headers.get('retry-after'))).toBe(4);
      expect((await call('getBlockHeight')).status).toBe(200);
      expect((await call('getHealth')).status).toBe(200);
      const overall = await call('getVersion');
      expect(overall.status).toBe(429);
      expect(Number(overall.headers.get('retry-after'))).toBeGreaterThanOrEqual(3);
      expect(limited.server.stats().rateLimited).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('injects 5xx and drops transactions at the configured rates', async () => {
    const faulty = await startLocalnet({ holders: 0, faults: { serverError: 1 } });
    try {
      const res = await fetch(faulty.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot' }) });
      expect(res.status).toBe(503);
      faulty.server.setFaults({ dropTransaction: 1 });
      const conn = new Connection(faulty.rpcUrl, 'confirmed');
      const payer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(faulty.scenario.keypairPath, 'utf8')) as number[]));
      const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }));
      tx.recentBlockhash = (await conn.getLatestBlockhash()).blockhash;
      tx.sign(payer);
      const sig = await conn.sendRawTransaction(tx.serialize(), { skipPreflight: true });
      expect((await conn.getSignatureStatuses([sig])).value[0]).toBeNull();
      expect(faulty.server.stats().transactionsDropped).toBe(1);
    } finally {
      await faulty.close();
    }
  });
});

describe('RPC + PubSub port pair', () => {
  /** A plain HTTP server holding a port the OS picked. */
  async function occupy(): Promise<{ server: Server; port: number }> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }
  const release = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  it('PubSub on a taken port rejects with EADDRINUSE instead of crashing the process, and can listen again', async () => {
    const chain = new LocalChain({ slotMs: 3_600_000 });
    const pubsub = new PubSubServer(chain);
    const blocker = await occupy();
    try {
      await expect(pubsub.listen(blocker.port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await pubsub.listen(0, '127.0.0.1');
    } finally {
      await pubsub.close();
      await release(blocker.server);
      chain.close();
    }
  });

  it('when the port after the picked one is taken, releases the pair and tries a new one', async () => {
    const chain = new LocalChain({ slotMs: 3_600_000 });
    const server = new RpcServer(chain);
    const blocker = await occupy();
    // The first PubSub attempt lands on a port that is really taken, whatever the OS picked for RPC.
    const pubsub = (server as unknown as { pubsub: PubSubServer }).pubsub;
    const listen = pubsub.listen.bind(pubsub);
    const tried: number[] = [];
    pubsub.listen = (port, host) => {
      tried.push(port);
      return listen(tried.length === 1 ? blocker.port : port, host);
    };
    try {
      const url = await server.listen();
      expect(tried).toHaveLength(2);
      const port = Number(new URL(url).port);
      expect(server.wsUrl).toBe(`ws://127.0.0.1:${port + 1}`);
      const res = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }) });
      expect(((await res.json()) as { result: string }).result).toBe('ok');
    } finally {
      await server.close();
      await release(blocker.server);
      chain.close();
    }
  });

  it('on a port the caller fixed, fails with EADDRINUSE when the neighbour is taken instead of moving elsewhere', async () => {
    const chain = new LocalChain({ slotMs: 3_600_000 });
    const blocker = await occupy();
    const server = new RpcServer(chain, { port: blocker.port - 1 });
    try {
      await expect(server.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await server.close();
      await release(blocker.server);
      chain.close();
    }
  });

  it('gives the lagging endpoint its own pair', async () => {
    const pair = await startLocalnet({ holders: 0, laggingEndpointSlots: 5 });
    try {
      const ports = [pair.rpcUrl, pair.wsUrl, pair.laggingRpcUrl, pair.laggingWsUrl].map((u) => Number(new URL(String(u)).port));
      expect(new Set(ports).size).toBe(4);
      expect(ports[1]).toBe((ports[0] as number) + 1);
      expect(ports[3]).toBe((ports[2] as number) + 1);
    } finally {
      await pair.close();
    }
  });
});
