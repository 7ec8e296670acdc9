/**
 * The distributor's balances for /health: SOL and every token it holds, read through the gateway
 * (interactive lane) like every other chain read.
 */
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { PublicKey } from '@solana/web3.js';
import type { AppContext } from '../app/context.js';

export interface TokenBalance {
  mint: string;
  amount: bigint;
  decimals: number;
}

const MINT_DECIMALS_OFFSET = 44;
const MAX_TOKENS = 10;

export async function distributorBalances(app: AppContext): Promise<{ lamports: bigint; tokens: TokenBalance[] }> {
  const connection = app.engine.gateway.connection('interactive');
  const owner = new PublicKey(app.engine.payer);
  const lamports = BigInt(await connection.getBalance(owner));
  const byMint = new Map<string, bigint>();
  for (const programId of [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]) {
    const { value } = await connection.getTokenAccountsByOwner(owner, { programId });
    for (const { account } of value) {
      const data = account.data;
      if (data.length < 72) continue;
      const mint = new PublicKey(data.subarray(0, 32)).toBase58();
      byMint.set(mint, (byMint.get(mint) ?? 0n) + data.readBigUInt64LE(64));
    }
  }
  const mints = [...byMint.keys()].slice(0, MAX_TOKENS);
  const infos = mints.length ? await connection.getMultipleAccountsInfo(mints.map((m) => new PublicKey(m))) : [];
  const tokens = mints.map((mint, i) => ({
    mint,
    amount: byMint.get(mint) ?? 0n,
    decimals: infos[i]?.data[MINT_DECIMALS_OFFSET] ?? 0,
  }));
  return { lamports, tokens };
}
