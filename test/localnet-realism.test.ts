import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bs58 from 'bs58';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ComputeBudgetProgram,
  Connection,
  Keypair,
  PublicKey,
  SolanaJSONRPCError,
  SystemProgram,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
  type Commitment,
  type SignatureResult,
} from '@solana/web3.js';
import { createAssociatedTokenAccountIdempotentInstruction, createTransferCheckedInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { startLocalnet, type Localnet } from '../src/localnet/index.js';

// The chain moves only when a test says so (advance), so nothing here depends on timing.
const FROZEN_CLOCK_MS = 3_600_000;
const LAG = 10;

let net: Localnet;
let conn: Connection;
let lagging: Connection;
let payer: Keypair;

beforeAll(async () => {
  net = await startLocalnet({ holders: 0, seed: 11, slotMs: FROZEN_CLOCK_MS, laggingEndpointSlots: LAG });
  conn = new Connection(net.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  lagging = new Connection(net.laggingRpcUrl as string, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  payer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(net.scenario.keypairPath, 'utf8')) as number[]));
  // Old enough that the finalized bank is past the seed.
  net.chain.advance(40);
});
afterAll(async () => net?.close());
afterEach(() => {
  net.chain.configure({ statusCacheSlots: 300, confirmedLagSlots: 2, forkSlots: 4, forkRelandSlots: 2 });
  net.server.configure({ transactionHistory: true });
  net.server.setFaults({});
});

/** Signs a SOL transfer to a new wallet with a blockhash read at `confirmed`, and sends it through `via`. */
async function sendTransfer(opts: { via?: Connection; lamports?: number; skipPreflight?: boolean; blockhash?: { blockhash: string; lastValidBlockHeight: number } } = {}) {
  const to = Keypair.generate().publicKey;
  const lamports = opts.lamports ?? 1_000_000;
  const latest = opts.blockhash ?? (await conn.getLatestBlockhash('confirmed'));
  const tx = new Transaction({ feePayer: payer.publicKey, ...latest }).add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports }));
  tx.sign(payer);
  const wire = tx.serialize();
  const signature = await (opts.via ?? conn).sendRawTransaction(wire, { skipPreflight: opts.skipPreflight ?? true, preflightCommitment: 'processed' });
  return { signature, to, lamports, wire, ...latest };
}

async function status(signature: string, via = conn, searchTransactionHistory = false) {
  return (await via.getSignatureStatuses([signature], { searchTransactionHistory })).value[0] ?? null;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}

async function rpcErrorCode(promise: Promise<unknown>): Promise<unknown> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SolanaJSONRPCError);
  return (err as SolanaJSONRPCError).code;
}

describe('status cache and transaction history', () => {
  it('forgets a landed signature after 300 slots unless the history is searched, which still finds it finalized', async () => {
    const { signature } = await sendTransfer();
    net.chain.advance(299);
    expect(await status(signature)).toMatchObject({ confirmationStatus: 'finalized', err: null, confirmations: null });
    net.chain.advance(1);
    expect(await status(signature)).toBeNull();
    const fromHistory = await status(signature, conn, true);
    expect(fromHistory).toMatchObject({ confirmationStatus: 'finalized', err: null, confirmations: null });
    expect((await conn.getTransaction(signature, { maxSupportedTransactionVersion: 0 }))?.transaction.signatures[0]).toBe(signature);
  });

  it('takes a shorter status cache at run time, from the API and from the control route', async () => {
    net.chain.configure({ statusCacheSlots: 5 });
    const first = await sendTransfer();
    net.chain.advance(4);
    expect(await status(first.signature)).not.toBeNull();
    net.chain.advance(1);
    expect(await status(first.signature)).toBeNull();

    const res = await fetch(`${net.rpcUrl}/localnet/config`, { method: 'POST', body: JSON.stringify({ statusCacheSlots: 3 }) });
    expect(((await res.json()) as { statusCacheSlots: number }).statusCacheSlots).toBe(3);
    const second = await sendTransfer();
    net.chain.advance(3);
    expect(await status(second.signature)).toBeNull();
    // Not finalized yet, so not in the (rooted) history either: a gap real nodes have too.
    expect(await status(second.signature, conn, true)).toBeNull();
    net.chain.advance(30);
    expect(await status(second.signature, conn, true)).toMatchObject({ confirmationStatus: 'finalized' });
  });

  it('answers -32011 to history lookups when the node keeps no history, and still serves the status cache', async () => {
    const { signature } = await sendTransfer();
    net.server.configure({ transactionHistory: false });
    expect(await rpcErrorCode(conn.getSignatureStatuses([signature], { searchTransactionHistory: true }))).toBe(-32011);
    expect(await rpcErrorCode(conn.getTransaction(signature, { maxSupportedTransactionVersion: 0 }))).toBe(-32011);
    const raw = await rpc(net.rpcUrl, 'getTransaction', [signature, { commitment: 'confirmed' }]);
    expect(raw.error).toEqual({ code: -32011, message: 'Transaction history is not available from this node' });
    expect(await status(signature)).toMatchObject({ confirmationStatus: 'processed' });

    net.server.configure({ transactionHistory: true });
    await fetch(`${net.rpcUrl}/localnet/config`, { method: 'POST', body: JSON.stringify({ transactionHistory: false }) });
    expect(await rpcErrorCode(conn.getSignatureStatuses([signature], { searchTransactionHistory: true }))).toBe(-32011);
    expect(((await (await fetch(`${net.rpcUrl}/localnet/config`)).json()) as { transactionHistory: boolean }).transactionHistory).toBe(false);
  });

  it('starts without history when asked (startLocalnet option)', async () => {
    const bare = await startLocalnet({ holders: 0, slotMs: FROZEN_CLOCK_MS, transactionHistory: false });
    try {
      const c = new Connection(bare.rpcUrl, 'confirmed');
      const sig = bs58Signature();
      expect(await rpcErrorCode(c.getSignatureStatuses([sig], { searchTransactionHistory: true }))).toBe(-32011);
      expect((await c.getSignatureStatuses([sig])).value).toEqual([null]);
    } finally {
      await bare.close();
    }
  });
});

describe('commitment levels', () => {
  it('shows a fresh transaction processed, then confirmed 2 slots later, then finalized 32 slots after it landed', async () => {
    const { signature, to, lamports } = await sendTransfer();
    const tip = await conn.getSlot('processed');
    const fresh = await conn.getSignatureStatuses([signature]);
    expect(fresh.context.slot).toBe(tip);
    expect(fresh.value[0]).toMatchObject({ slot: tip, confirmationStatus: 'processed', confirmations: 0, err: null });
    expect(await conn.getBalance(to, 'processed')).toBe(lamports);
    expect(await conn.getBalance(to, 'confirmed')).toBe(0);
    expect(await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull();

    net.chain.advance(1);
    expect((await status(signature))?.confirmationStatus).toBe('processed');
    net.chain.advance(1);
    expect(await status(signature)).toMatchObject({ confirmationStatus: 'confirmed', confirmations: 2 });
    expect(await conn.getBalance(to, 'confirmed')).toBe(lamports);
    expect(await conn.getBalance(to, 'finalized')).toBe(0);
    expect(await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).not.toBeNull();
    expect(await conn.getTransaction(signature, { commitment: 'finalized', maxSupportedTransactionVersion: 0 })).toBeNull();

    net.chain.advance(29);
    expect((await status(signature))?.confirmationStatus).toBe('confirmed');
    net.chain.advance(1);
    expect(await status(signature)).toMatchObject({ confirmationStatus: 'finalized', confirmations: null });
    expect(await conn.getBalance(to, 'finalized')).toBe(lamports);
    expect(await conn.getTransaction(signature, { commitment: 'finalized', maxSupportedTransactionVersion: 0 })).not.toBeNull();
  });

  it('answers slots, heights, epoch info, blockhashes and context slots at the requested commitment, finalized by default', async () => {
    const tip = net.chain.slot;
    const height = net.chain.blockHeight;
    expect(await conn.getSlot('processed')).toBe(tip);
    expect(await conn.getSlot('confirmed')).toBe(tip - 2);
    expect(await conn.getSlot('finalized')).toBe(tip - 32);
    expect(await conn.getBlockHeight('processed')).toBe(height);
    expect(await conn.getBlockHeight('confirmed')).toBe(height - 2);
    expect(await conn.getBlockHeight('finalized')).toBe(height - 32);
    const epoch = await conn.getEpochInfo('confirmed');
    expect([epoch.absoluteSlot, epoch.blockHeight]).toEqual([tip - 2, height - 2]);
    // No commitment named: the node's default, finalized.
    expect((await rpc(net.rpcUrl, 'getSlot')).result).toBe(tip - 32);
    expect((await rpc(net.rpcUrl, 'getBlockHeight')).result).toBe(height - 32);
    const balance = (await rpc(net.rpcUrl, 'getBalance', [payer.publicKey.toBase58()])).result as { context: { slot: number } };
    expect(balance.context.slot).toBe(tip - 32);
    expect((await conn.getBalanceAndContext(payer.publicKey, 'processed')).context.slot).toBe(tip);
    // getSignatureStatuses answers from the processed bank whatever the client's commitment.
    expect((await conn.getSignatureStatuses([bs58Signature()])).context.slot).toBe(tip);

    for (const [commitment, depth] of [
      ['processed', 0],
      ['confirmed', 2],
      ['finalized', 32],
    ] as const) {
      const latest = await conn.getLatestBlockhashAndContext(commitment);
      expect(latest.context.slot).toBe(tip - depth);
      expect(latest.value.lastValidBlockHeight).toBe(height - depth + 150);
    }
    net.chain.configure({ confirmedLagSlots: 5 });
    expect(await conn.getSlot('confirmed')).toBe(tip - 5);
  });

  it('keeps a blockhash read at confirmed valid for 150 blocks after its block, and no longer', async () => {
    const latest = await conn.getLatestBlockhash('confirmed');
    const height = await conn.getBlockHeight('processed');
    expect(latest.lastValidBlockHeight).toBe(height - 2 + 150);
    expect((await conn.isBlockhashValid(latest.blockhash, { commitment: 'processed' })).value).toBe(true);
    // A blockhash younger than the bank asked is unknown to that bank.
    const newest = await conn.getLatestBlockhash('processed');
    expect((await conn.isBlockhashValid(newest.blockhash, { commitment: 'finalized' })).value).toBe(false);

    net.chain.advance(latest.lastValidBlockHeight - height);
    expect(await conn.getBlockHeight('processed')).toBe(latest.lastValidBlockHeight);
    const last = await sendTransfer({ blockhash: latest });
    expect((await status(last.signature))?.err).toBeNull();

    net.chain.advance(1);
    expect((await conn.isBlockhashValid(latest.blockhash, { commitment: 'processed' })).value).toBe(false);
    const late = await sendTransfer({ blockhash: latest });
    net.chain.advance(40);
    expect(await status(late.signature, conn, true)).toBeNull();
  });

  it('notifies a signature subscription when the transaction reaches the subscription commitment', async () => {
    const { signature } = await sendTransfer();
    const seen: string[] = [];
    const heard = (commitment: Commitment) =>
      new Promise<SignatureResult>((resolve) => {
        conn.onSignature(
          signature,
          (result) => {
            seen.push(commitment);
            resolve(result);
          },
          commitment,
        );
      });
    const processed = heard('processed');
    const finalized = heard('finalized');
    expect(await processed).toEqual({ err: null });
    const confirmed = heard('confirmed');
    net.chain.advance(2);
    expect(await confirmed).toEqual({ err: null });
    expect(seen).not.toContain('finalized');
    net.chain.advance(30);
    expect(await finalized).toEqual({ err: null });
    expect(seen).toEqual(['processed', 'confirmed', 'finalized']);
  });
});

describe('accounts at a commitment', () => {
  it('reads token accounts, balances and program accounts as the bank at the commitment holds them', async () => {
    const mint = new PublicKey(net.scenario.rewardMint);
    const owner = Keypair.generate().publicKey;
    const ata = getAssociatedTokenAddressSync(mint, owner);
    const source = getAssociatedTokenAddressSync(mint, payer.publicKey);
    const sourceBefore = (await conn.getTokenAccountBalance(source, 'processed')).value.amount;
    const tx = new Transaction({ feePayer: payer.publicKey, ...(await conn.getLatestBlockhash('confirmed')) }).add(
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, ata, owner, mint),
      createTransferCheckedInstruction(source, mint, ata, payer.publicKey, 7n, net.scenario.rewardDecimals),
    );
    tx.sign(payer);
    await conn.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    const byOwner = (commitment: Commitment) =>
      conn.getProgramAccounts(new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), {
        commitment,
        filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: owner.toBase58() } }],
      });

    expect(await byOwner('processed')).toHaveLength(1);
    expect(await byOwner('confirmed')).toHaveLength(0);
    expect((await conn.getTokenAccountsByOwner(owner, { mint }, 'confirmed')).value).toHaveLength(0);
    expect(await conn.getAccountInfo(ata, 'confirmed')).toBeNull();
    expect((await conn.getTokenAccountBalance(source, 'confirmed')).value.amount).toBe(sourceBefore);
    expect(BigInt(sourceBefore) - BigInt((await conn.getTokenAccountBalance(source, 'processed')).value.amount)).toBe(7n);

    net.chain.advance(2);
    expect(await byOwner('confirmed')).toHaveLength(1);
    expect((await conn.getTokenAccountBalance(ata, 'confirmed')).value.amount).toBe('7');
    expect(await byOwner('finalized')).toHaveLength(0);
  });
});

describe('a lagging endpoint', () => {
  it('answers as of 10 slots behind: slots, heights, balances, statuses and transactions', async () => {
    const { signature, to, lamports } = await sendTransfer();
    const tip = net.chain.slot;
    expect(await lagging.getSlot('processed')).toBe(tip - LAG);
    expect(await lagging.getSlot('confirmed')).toBe(tip - LAG - 2);
    expect(await lagging.getBlockHeight('finalized')).toBe(net.chain.blockHeight - LAG - 32);
    expect((await lagging.getSignatureStatuses([signature])).context.slot).toBe(tip - LAG);
    expect(await status(signature, lagging)).toBeNull();
    expect(await lagging.getBalance(to, 'processed')).toBe(0);

    net.chain.advance(LAG - 1);
    expect(await status(signature, lagging)).toBeNull();
    net.chain.advance(1);
    expect(await status(signature, lagging)).toMatchObject({ slot: tip, confirmationStatus: 'processed' });
    expect(await lagging.getBalance(to, 'processed')).toBe(lamports);
    expect(await lagging.getBalance(to, 'confirmed')).toBe(0);
    expect(await lagging.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull();
    net.chain.advance(2);
    expect((await status(signature, lagging))?.confirmationStatus).toBe('confirmed');
    expect((await lagging.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }))?.slot).toBe(tip);
    expect(await status(signature, conn)).toMatchObject({ confirmationStatus: 'confirmed', confirmations: LAG + 2 });
  });

  it('does not know blockhashes younger than its lag, refuses them in preflight, and forwards sends to the leader', async () => {
    const newest = await conn.getLatestBlockhash('processed');
    expect((await lagging.isBlockhashValid(newest.blockhash, { commitment: 'processed' })).value).toBe(false);
    await expect(sendTransfer({ via: lagging, blockhash: newest, skipPreflight: false })).rejects.toThrow(/Blockhash not found/);

    const forwarded = await sendTransfer({ via: lagging, blockhash: newest, skipPreflight: true });
    expect(await status(forwarded.signature, conn)).toMatchObject({ confirmationStatus: 'processed', err: null });
    expect(await status(forwarded.signature, lagging)).toBeNull();
    expect(net.laggingServer?.stats().transactionsLanded).toBeGreaterThanOrEqual(1);

    net.chain.advance(LAG);
    expect((await lagging.isBlockhashValid(newest.blockhash, { commitment: 'processed' })).value).toBe(true);
    expect(await status(forwarded.signature, lagging)).not.toBeNull();
  });

  it('refuses a minContextSlot it has not reached with -32016, so a client can notice the lag', async () => {
    const tip = await conn.getSlot('processed');
    expect(await rpcErrorCode(lagging.getBalanceAndContext(payer.publicKey, { commitment: 'processed', minContextSlot: tip }))).toBe(-32016);
    expect((await conn.getBalanceAndContext(payer.publicKey, { commitment: 'processed', minContextSlot: tip })).context.slot).toBe(tip);
  });

  it('changes its lag at run time', async () => {
    net.laggingServer?.configure({ lagSlots: 3 });
    try {
      expect(await lagging.getSlot('processed')).toBe(net.chain.slot - 3);
      await fetch(`${net.laggingRpcUrl}/localnet/config`, { method: 'POST', body: JSON.stringify({ lagSlots: 7 }) });
      expect(await lagging.getSlot('processed')).toBe(net.chain.slot - 7);
    } finally {
      net.laggingServer?.configure({ lagSlots: LAG });
    }
  });
});

describe('fork failure at processed', () => {
  it('shows the transaction failed at processed for 4 slots, forgets it, then lands the same signature for real', async () => {
    net.server.resetStats();
    net.chain.forkFailNext(1);
    const payerBefore = await conn.getBalance(payer.publicKey, 'processed');
    const { signature, to, lamports } = await sendTransfer();
    const landedAt = net.chain.slot;

    const onFork = await status(signature);
    expect(onFork).toMatchObject({ slot: landedAt, confirmationStatus: 'processed', confirmations: 0, err: { InstructionError: [0, 'ProgramFailedToComplete'] } });
    expect(await conn.getBalance(to, 'processed')).toBe(0);
    expect(await conn.getBalance(payer.publicKey, 'processed')).toBe(payerBefore);
    expect(await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull();
    expect(net.server.stats().transactionsForked).toBe(1);

    net.chain.advance(3);
    expect((await status(signature))?.err).toBeTruthy();
    net.chain.advance(1);
    expect(await status(signature)).toBeNull();
    expect(await status(signature, conn, true)).toBeNull();
    net.chain.advance(1);
    expect(await status(signature)).toBeNull();
    net.chain.advance(1);
    expect(await status(signature)).toMatchObject({ slot: landedAt + 6, confirmationStatus: 'processed', err: null });
    expect(await conn.getBalance(to, 'processed')).toBe(lamports);
    net.chain.advance(32);
    expect(await status(signature)).toMatchObject({ confirmationStatus: 'finalized', err: null });
    const tx = await conn.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    expect(tx?.meta?.err).toBeNull();
    expect(await conn.getBalance(payer.publicKey, 'finalized')).toBe(payerBefore - lamports - (tx?.meta?.fee ?? 0));
  });

  it('shows the lagging endpoint the same fork history, later', async () => {
    net.chain.forkFailNext(1);
    const { signature } = await sendTransfer();
    const forkedAt = net.chain.slot;
    const seen: (string | null)[] = [];
    for (let slot = forkedAt; slot <= forkedAt + LAG + 7; slot++) {
      const s = await status(signature, lagging);
      seen.push(s === null ? null : s.err ? 'failed' : 'ok');
      net.chain.advance(1);
    }
    // Nothing for LAG slots, then the fork for 4 slots, then nothing for 2, then the landing.
    expect(seen).toEqual([...Array<null>(LAG).fill(null), 'failed', 'failed', 'failed', 'failed', null, null, 'ok', 'ok']);
  });

  it('misleads a processed subscription with the fork failure while a confirmed one hears of the real landing', async () => {
    net.server.setFaults({ forkFail: 1 });
    const { signature } = await sendTransfer();
    net.server.setFaults({});
    const atProcessed = new Promise<SignatureResult>((resolve) => conn.onSignature(signature, resolve, 'processed'));
    const atConfirmed = new Promise<SignatureResult>((resolve) => conn.onSignature(signature, resolve, 'confirmed'));
    expect((await atProcessed).err).toEqual({ InstructionError: [0, 'ProgramFailedToComplete'] });
    net.chain.advance(4 + 2 + 2);
    expect(await atConfirmed).toEqual({ err: null });
  });

  it('never lands the bytes when their blockhash expires before the surviving fork takes them', async () => {
    const latest = await conn.getLatestBlockhash('confirmed');
    const height = await conn.getBlockHeight('processed');
    net.chain.advance(latest.lastValidBlockHeight - height - 3);
    const res = await fetch(`${net.rpcUrl}/localnet/fork-fail-next?count=1`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { signature, to } = await sendTransfer({ blockhash: latest });
    expect((await status(signature))?.err).toBeTruthy();
    net.chain.advance(40);
    expect(await conn.getBlockHeight('finalized')).toBeGreaterThan(latest.lastValidBlockHeight);
    expect(await status(signature, conn, true)).toBeNull();
    expect(await conn.getBalance(to, 'processed')).toBe(0);
  });

  it('lands a fork-failed transaction at once when it is sent again after its fork was dropped', async () => {
    net.chain.configure({ forkRelandSlots: 20 });
    net.chain.forkFailNext(1);
    const sent = await sendTransfer();
    net.chain.advance(4);
    expect(await status(sent.signature)).toBeNull();
    await conn.sendRawTransaction(sent.wire, { skipPreflight: true });
    expect(await status(sent.signature)).toMatchObject({ err: null, slot: net.chain.slot });
    net.chain.advance(25);
    expect(await conn.getBalance(sent.to, 'processed')).toBe(sent.lamports);
  });
});

describe('getTransaction through web3.js', () => {
  it('returns a legacy SPL transfer with fee, balances, token balances, inner instructions and logs', async () => {
    const mint = new PublicKey(net.scenario.rewardMint);
    const owner = Keypair.generate().publicKey;
    const ata = getAssociatedTokenAddressSync(mint, owner);
    const source = getAssociatedTokenAddressSync(mint, payer.publicKey);
    const { blockhash, lastValidBlockHeight } = await conn.getLatestBlockhash('confirmed');
    const tx = new Transaction({ feePayer: payer.publicKey, blockhash, lastValidBlockHeight }).add(
      ComputeBudgetProgram.setComputeUnitLimit({ units: 100_000 }),
      ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000 }),
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, ata, owner, mint),
      createTransferCheckedInstruction(source, mint, ata, payer.publicKey, 2_500_000n, net.scenario.rewardDecimals),
    );
    tx.sign(payer);
    const payerBefore = await conn.getBalance(payer.publicKey, 'processed');
    const signature = await conn.sendRawTransaction(tx.serialize(), { preflightCommitment: 'confirmed' });
    net.chain.advance(2);

    const got = await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(got).not.toBeNull();
    if (!got?.meta) throw new Error('no meta');
    expect(got.version).toBe('legacy');
    expect(got.slot).toBe((await status(signature))?.slot);
    expect(typeof got.blockTime).toBe('number');
    expect(got.transaction.signatures).toEqual([signature]);
    expect(got.transaction.message.staticAccountKeys[0]?.equals(payer.publicKey)).toBe(true);
    expect(got.transaction.message.recentBlockhash).toBe(blockhash);
    expect(got.transaction.message.compiledInstructions).toHaveLength(4);
    expect(got.meta.err).toBeNull();
    expect(got.meta.fee).toBe(5000 + 100);
    const rent = await conn.getMinimumBalanceForRentExemption(165);
    expect(got.meta.preBalances[0]).toBe(payerBefore);
    expect(got.meta.postBalances[0]).toBe(payerBefore - got.meta.fee - rent);
    expect(await conn.getBalance(payer.publicKey, 'confirmed')).toBe(got.meta.postBalances[0]);
    expect(got.meta.logMessages).toContain('Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA success');
    expect(got.meta.innerInstructions?.length).toBeGreaterThan(0);
    const ataIndex = got.transaction.message.staticAccountKeys.findIndex((k) => k.equals(ata));
    expect(got.meta.preTokenBalances?.find((b) => b.accountIndex === ataIndex)).toBeUndefined();
    expect(got.meta.postTokenBalances?.find((b) => b.accountIndex === ataIndex)).toMatchObject({
      mint: mint.toBase58(),
      owner: owner.toBase58(),
      uiTokenAmount: { amount: '2500000', decimals: net.scenario.rewardDecimals, uiAmountString: '2.5' },
    });
    expect(got.meta.computeUnitsConsumed).toBeGreaterThan(0);

    const parsed = await conn.getParsedTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(parsed?.transaction.message.accountKeys[0]).toMatchObject({ signer: true, writable: true });
    const base64 = (await rpc(net.rpcUrl, 'getTransaction', [signature, { commitment: 'confirmed', encoding: 'base64' }])).result as { transaction: [string, string] };
    expect(Buffer.from(base64.transaction[0], 'base64').equals(tx.serialize())).toBe(true);
  });

  it('returns a v0 transaction only to a client that supports it, and a failed one with its error and fee', async () => {
    const { blockhash } = await conn.getLatestBlockhash('confirmed');
    const message = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: blockhash,
      instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 3_000_000 })],
    }).compileToV0Message();
    const v0 = new VersionedTransaction(message);
    v0.sign([payer]);
    const signature = await conn.sendTransaction(v0, { skipPreflight: true });
    // 1 lamport to a new account: below the rent-exempt minimum, so the transaction fails and pays its fee.
    const failing = await sendTransfer({ lamports: 1 });
    net.chain.advance(2);

    const got = await conn.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(got?.version).toBe(0);
    expect(got?.transaction.message.addressTableLookups).toEqual([]);
    expect(got?.meta?.loadedAddresses).toEqual({ writable: [], readonly: [] });
    const old = await rpc(net.rpcUrl, 'getTransaction', [signature, { commitment: 'confirmed' }]);
    expect(old.error?.code).toBe(-32015);

    const failed = await conn.getTransaction(failing.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    expect(failed?.meta?.err).toBeTruthy();
    expect(failed?.meta?.fee).toBe(5000);
    expect(failed?.meta?.postBalances[1]).toBe(0);
    expect(await conn.getTransaction(bs58Signature(), { commitment: 'confirmed', maxSupportedTransactionVersion: 0 })).toBeNull();
    expect((await rpc(net.rpcUrl, 'getTransaction', [signature, { commitment: 'processed' }])).error?.code).toBe(-32602);
  });
});

/** A well-formed signature nobody sent. */
function bs58Signature(): string {
  return bs58.encode(randomBytes(64));
}
