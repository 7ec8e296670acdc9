/**
 * getProgramAccounts for snapshots: each matching account's data slice handed to a callback, and
 * the slot the node read them at. Nothing is kept here: a caller that merges as it goes holds one
 * answer at a time, not the whole holder list twice.
 *
 * Sent as raw JSON-RPC text through the gateway (its pacing and retries still apply) and decoded
 * by program-accounts-decoder.ts, on a worker thread when the answer is big. web3.js's public
 * `getProgramAccounts` validates every account with superstruct and builds a bn.js PublicKey for
 * each (about 0.7 s per 10,000 accounts), and even its raw request reads the body twice and
 * parses it in one go on the event loop.
 */
import { SolanaJSONRPCError, type Connection, type DataSlice, type GetProgramAccountsFilter, type PublicKey } from '@solana/web3.js';
import { rawTextExchange } from '../solana/gateway.js';
import { decodeProgramAccounts } from './program-accounts-decoder.js';
import { DEFAULT_SLICE_MS, turn } from './work.js';

export interface ProgramAccountsQuery {
  programId: PublicKey;
  filters: GetProgramAccountsFilter[];
  dataSlice: DataSlice;
  /** Refuse an answer from a bank older than this (a node behind the one that answered an earlier part). */
  minContextSlot?: number;
  /** Hand each account's address to the callback too (more to copy across threads; off by default). */
  addresses?: boolean;
}

export interface ProgramAccountsRead {
  /** The slot the node read the accounts at (the response's context). */
  slot: number;
  accounts: number;
}

/**
 * Reads the accounts of `query` and calls `onAccount` with each one's data slice (a view into the
 * answer: copy what you keep) and, if `query.addresses`, its address ('' otherwise). The callbacks
 * run in slices of a few milliseconds with the event loop served between them, however much work
 * each one does.
 */
export async function readProgramAccounts(connection: Connection, query: ProgramAccountsQuery, onAccount: (data: Buffer, address: string) => void): Promise<ProgramAccountsRead> {
  const { programId, filters, dataSlice, minContextSlot } = query;
  const config = {
    encoding: 'base64',
    filters: filters.map((f) => ('memcmp' in f ? { memcmp: { encoding: 'base58', ...f.memcmp } } : f)),
    dataSlice,
    withContext: true,
    ...(connection.commitment ? { commitment: connection.commitment } : {}),
    ...(minContextSlot !== undefined ? { minContextSlot } : {}),
  };
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getProgramAccounts', params: [programId.toBase58(), config] });
  const res = await rawTextExchange(connection)(body);
  if (res.status < 200 || res.status >= 300) {
    throw Object.assign(new Error(`getProgramAccounts for program ${programId.toBase58()}: HTTP ${res.status}`), { status: res.status });
  }
  const answer = await decodeProgramAccounts(res.text, dataSlice.length, query.addresses === true);
  if (answer.error) throw new SolanaJSONRPCError(answer.error, `failed to get accounts owned by program ${programId.toBase58()}`);
  if (answer.invalid) throw new Error(answer.invalid);
  const { data, count, sliceLength, addresses } = answer;
  let sliceStarted = performance.now();
  for (let i = 0; i < count; i++) {
    onAccount(Buffer.from(data.buffer, data.byteOffset + i * sliceLength, sliceLength), addresses?.[i] ?? '');
    if ((i & 63) === 63 && performance.now() - sliceStarted >= DEFAULT_SLICE_MS) {
      await turn();
      sliceStarted = performance.now();
    }
  }
  return { slot: answer.slot, accounts: count };
}
