/**
 * getProgramAccounts for snapshots: each matching account's data slice handed to a callback as the
 * answer is read, and the slot the node read them at. Nothing is kept here: a caller that merges as
 * it goes holds one answer at a time, not the whole holder list twice.
 *
 * Sent as a raw request through the Connection's own RPC client (so the gateway's pacing and retries
 * still apply) and decoded here. web3.js's public `getProgramAccounts` validates every account with
 * superstruct and builds a bn.js PublicKey for each: about 0.7 s per 10,000 accounts, more than the
 * node took to answer. If a future web3.js drops the internal method, the public one is used instead.
 */
import { SolanaJSONRPCError, type Connection, type DataSlice, type GetProgramAccountsFilter, type PublicKey } from '@solana/web3.js';
import { PAUSE_EVERY, turn } from './work.js';

export interface ProgramAccountsQuery {
  programId: PublicKey;
  filters: GetProgramAccountsFilter[];
  dataSlice: DataSlice;
  /** Refuse an answer from a bank older than this (a node behind the one that answered an earlier part). */
  minContextSlot?: number;
}

export interface ProgramAccountsRead {
  /** The slot the node read the accounts at (the response's context). */
  slot: number;
  accounts: number;
}

interface RawRequester {
  _rpcRequest?: (method: string, args: unknown) => Promise<unknown>;
}

interface RawAnswer {
  result?: { context?: { slot?: unknown }; value?: unknown };
  error?: { code: number; message: string; data?: unknown };
}

/** The Connection's raw JSON-RPC request (params as given), or null if this web3.js has none. */
export function rawRequester(connection: Connection): ((method: string, params: unknown) => Promise<unknown>) | null {
  const raw = (connection as unknown as RawRequester)._rpcRequest;
  return typeof raw === 'function' ? (method, params) => raw.call(connection, method, params) : null;
}

/**
 * Reads the accounts of `query` and calls `onAccount` with each one's data slice (a Buffer that is
 * the caller's to keep or drop). Gives the event loop a turn every thousand accounts: decoding a
 * part of a big snapshot must not hold it.
 */
export async function readProgramAccounts(connection: Connection, query: ProgramAccountsQuery, onAccount: (data: Buffer, address: string) => void): Promise<ProgramAccountsRead> {
  const { programId, filters, dataSlice, minContextSlot } = query;
  const raw = rawRequester(connection);
  if (!raw) {
    const { context, value } = await connection.getProgramAccounts(programId, {
      filters,
      dataSlice,
      withContext: true,
      ...(minContextSlot !== undefined ? { minContextSlot } : {}),
    });
    for (const { account, pubkey } of value) onAccount(account.data, pubkey.toBase58());
    return { slot: context.slot, accounts: value.length };
  }

  const config = {
    encoding: 'base64',
    filters: filters.map((f) => ('memcmp' in f ? { memcmp: { encoding: 'base58', ...f.memcmp } } : f)),
    dataSlice,
    withContext: true,
    ...(connection.commitment ? { commitment: connection.commitment } : {}),
    ...(minContextSlot !== undefined ? { minContextSlot } : {}),
  };
  const answer = (await raw('getProgramAccounts', [programId.toBase58(), config])) as RawAnswer;
  if (answer.error) throw new SolanaJSONRPCError(answer.error, `failed to get accounts owned by program ${programId.toBase58()}`);
  const slot = answer.result?.context?.slot;
  let value = answer.result?.value;
  if (typeof slot !== 'number' || !Array.isArray(value)) {
    throw new Error('getProgramAccounts answered without a context slot; the RPC node must support withContext');
  }
  const entries = value as { pubkey?: unknown; account?: { data?: unknown } }[];
  value = undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const data = entry?.account?.data;
    if (!Array.isArray(data) || typeof data[0] !== 'string') throw new Error('getProgramAccounts answered an account without base64 data');
    onAccount(Buffer.from(data[0], 'base64'), typeof entry?.pubkey === 'string' ? entry.pubkey : '');
    if ((i & (PAUSE_EVERY - 1)) === PAUSE_EVERY - 1) await turn();
  }
  return { slot, accounts: entries.length };
}
