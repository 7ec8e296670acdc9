/**
 * Token accounts of a mint through the DAS method `getTokenAccounts` (Helius, Triton and other DAS
 * providers; the local chain answers it too): pages of up to 1,000 accounts, each page asked with
 * the cursor of the one before, so no answer is ever large. docs/solana-rpc-behaviour.md, "Holder
 * snapshots", says how providers page and what the local chain copies.
 *
 * Amounts arrive as JSON numbers. A number above 2^53 cannot be read exactly by JSON.parse, so the
 * few accounts that hold that much are read again as raw accounts (getMultipleAccounts) rather
 * than trusted: a snapshot's amounts are money.
 */
import { TOKEN_ACCOUNT } from './token-account.js';
import bs58 from 'bs58';
import { PublicKey, type Connection } from '@solana/web3.js';
import { rawTextExchange } from '../solana/gateway.js';
import { PAUSE_EVERY, turn } from './work.js';

/** The largest page DAS providers serve. */
export const DAS_PAGE_LIMIT = 1000;
const GET_MULTIPLE_ACCOUNTS_MAX = 100;

interface DasTokenAccount {
  address?: unknown;
  owner?: unknown;
  amount?: unknown;
}

interface DasAnswer {
  result?: { token_accounts?: unknown; cursor?: unknown };
  error?: { code: number; message: string; data?: unknown };
}

/** A DAS method answered an error, or the endpoint does not serve DAS. */
export class DasError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`getTokenAccounts: ${message} (${code})`);
    this.name = 'DasError';
  }
}

export interface DasRead {
  /** Slot read before the first page: DAS answers carry none, and an indexer may trail the chain a little. */
  slot: number;
  accounts: number;
  pages: number;
}

/**
 * Calls `onAccount(ownerBytes, amount)` for every token account of `mint` with a balance above
 * zero, page by page. `pageLimit` is at most 1,000.
 */
export async function readTokenAccountsDas(
  connection: Connection,
  mint: string,
  onAccount: (owner: Uint8Array, amount: bigint) => void,
  opts: { pageLimit?: number } = {},
): Promise<DasRead> {
  const limit = Math.min(DAS_PAGE_LIMIT, opts.pageLimit ?? DAS_PAGE_LIMIT);
  const exchange = rawTextExchange(connection);
  const slot = await connection.getSlot();
  let cursor: string | undefined;
  let accounts = 0;
  let pages = 0;
  /** Accounts whose amount JSON could not carry exactly: read again from the chain. */
  const inexact: { address: string; owner: Uint8Array }[] = [];
  for (;;) {
    const params = { mint, limit, ...(cursor !== undefined ? { cursor } : {}), options: { showZeroBalance: false } };
    const res = await exchange(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getTokenAccounts', params }));
    if (res.status < 200 || res.status >= 300) throw new DasError(-32603, `HTTP ${res.status}`);
    let answer: DasAnswer;
    try {
      answer = JSON.parse(res.text) as DasAnswer;
    } catch {
      throw new DasError(-32700, `the answer is not JSON (${res.text.length} characters)`);
    }
    if (answer.error) throw new DasError(answer.error.code, answer.error.message);
    const list = answer.result?.token_accounts;
    if (!Array.isArray(list)) throw new DasError(-32603, 'the answer has no token_accounts list');
    pages += 1;
    if (list.length === 0) break;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as DasTokenAccount;
      const owner = decodeAddress(entry.owner);
      if (!owner) throw new DasError(-32603, `an account has no valid owner (${String(entry.owner).slice(0, 44)})`);
      const amount = entry.amount;
      if (typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0) {
        if (amount > 0) onAccount(owner, BigInt(amount));
      } else if (typeof amount === 'string' && /^\d+$/.test(amount)) {
        // A provider that sends amounts as strings is exact already.
        if (BigInt(amount) > 0n) onAccount(owner, BigInt(amount));
      } else if (typeof amount === 'number' && amount > Number.MAX_SAFE_INTEGER && typeof entry.address === 'string') {
        inexact.push({ address: entry.address, owner });
      } else {
        throw new DasError(-32603, `an account has no valid amount (${String(amount)})`);
      }
      accounts += 1;
      if ((accounts & (PAUSE_EVERY - 1)) === 0) await turn();
    }
    const next = answer.result?.cursor;
    // No cursor means no further page; the same cursor again would loop for ever.
    if (typeof next !== 'string' || next === '' || next === cursor) break;
    cursor = next;
  }
  for (let i = 0; i < inexact.length; i += GET_MULTIPLE_ACCOUNTS_MAX) {
    const batch = inexact.slice(i, i + GET_MULTIPLE_ACCOUNTS_MAX);
    const infos = await connection.getMultipleAccountsInfo(
      batch.map((b) => new PublicKey(b.address)),
      { dataSlice: { offset: TOKEN_ACCOUNT.amountOffset, length: 8 } },
    );
    infos.forEach((info, k) => {
      const item = batch[k] as (typeof batch)[number];
      // Closed since the page was read: it holds nothing now.
      if (info && info.data.length === 8) onAccount(item.owner, info.data.readBigUInt64LE(0));
    });
  }
  return { slot, accounts, pages };
}

function decodeAddress(text: unknown): Uint8Array | null {
  if (typeof text !== 'string' || text.length > 44) return null;
  try {
    const bytes = bs58.decode(text);
    return bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}
