/**
 * The baseline the engine is measured against: what the earlier Tributary CLI did, one recipient
 * per transaction (idempotent ATA create + TransferChecked), each sent and confirmed with
 * web3.js's sendAndConfirmTransaction before the next, with plain @solana/web3.js and nothing of
 * the engine. Preflight is on and confirmation uses PubSub (signatureSubscribe) plus block-height
 * polling, as web3.js does by default. Holders come from one getProgramAccounts, outside the timing.
 */
import { createAssociatedTokenAccountIdempotentInstruction, createTransferCheckedInstruction, getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Connection, Keypair, PublicKey, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import { readFileSync } from 'node:fs';
import type { ChainProcess } from '../lib/chain-process.js';

export interface BaselineResult {
  recipients: number;
  seconds: number;
  recipientsPerS: number;
  requests: number;
  requestsPerRecipient: number;
  requestsByMethod: Record<string, number>;
}

export async function runBaseline(chain: ChainProcess, recipientsWanted: number, amountEach = 1_000_000n): Promise<BaselineResult> {
  const connection = new Connection(chain.rpcUrl, { commitment: 'confirmed', wsEndpoint: chain.wsUrl });
  const payer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(chain.keypairPath, 'utf8')) as number[]));
  const mint = new PublicKey(chain.rewardMint);
  const source = getAssociatedTokenAddressSync(mint, payer.publicKey);
  const accounts = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, {
    filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: chain.baseMint } }],
    dataSlice: { offset: 32, length: 32 },
  });
  const owners = [...new Set(accounts.map((a) => new PublicKey(a.account.data).toBase58()))].slice(0, recipientsWanted);

  await chain.resetStats();
  const t0 = performance.now();
  for (const owner of owners) {
    const ownerKey = new PublicKey(owner);
    const destination = getAssociatedTokenAddressSync(mint, ownerKey, true);
    const tx = new Transaction().add(
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, destination, ownerKey, mint),
      createTransferCheckedInstruction(source, mint, destination, payer.publicKey, amountEach, 6),
    );
    await sendAndConfirmTransaction(connection, tx, [payer], { commitment: 'confirmed' });
  }
  const seconds = (performance.now() - t0) / 1000;
  const stats = await chain.stats();
  // web3.js keeps its PubSub socket open and reconnects forever; it has no public close.
  (connection as unknown as { _rpcWebSocket?: { close(): void } })._rpcWebSocket?.close();
  return {
    recipients: owners.length,
    seconds,
    recipientsPerS: owners.length / seconds,
    requests: stats.requests,
    requestsPerRecipient: stats.requests / owners.length,
    requestsByMethod: stats.requestsByMethod,
  };
}
