/**
 * getProgramAccounts for snapshots: the slot it was read at and each account's data slice, nothing else.
 *
 * Sent as a raw request through the Connection's own RPC client (so the gateway's pacing and retries
 * still apply) and decoded here. web3.js's public `getProgramAccounts` validates every account with
 * superstruct and builds a bn.js PublicKey for each: about 0.7 s per 10,000 accounts, more than the
 * node took to answer. If a future web3.js drops the internal method, the public one is used instead.
 */
import { SolanaJSONRPCError, type Connection, type DataSlice, type GetProgramAccountsFilter, type PublicKey } from '@solana/web3.js';

export interface ProgramAccountSlices {
  /** The slot the node read the accounts at (the response's context). */
  slot: number;
  /** Each matching account's data within `dataSlice`. */
  slices: Buffer[];
}

interface RawRequester {
  _rpcRequest?: (method: string, args: unknown[]) => Promise<unknown>;
}

interface RawAnswer {
  result?: { context?: { slot?: unknown }; value?: unknown };
  error?: { code: number; message: string; data?: unknown };
}

export async function getProgramAccountSlices(
  connection: Connection,
  programId: PublicKey,
  filters: GetProgramAccountsFilter[],
  dataSlice: DataSlice,
): Promise<ProgramAccountSlices> {
  const raw = (connection as unknown as RawRequester)._rpcRequest;
  if (typeof raw !== 'function') {
    const { context, value } = await connection.getProgramAccounts(programId, { filters, dataSlice, withContext: true });
    return { slot: context.slot, slices: value.map(({ account }) => account.data) };
  }

  const config = {
    encoding: 'base64',
    filters: filters.map((f) => ('memcmp' in f ? { memcmp: { encoding: 'base58', ...f.memcmp } } : f)),
    dataSlice,
    withContext: true,
    ...(connection.commitment ? { commitment: connection.commitment } : {}),
  };
  const answer = (await raw.call(connection, 'getProgramAccounts', [programId.toBase58(), config])) as RawAnswer;
  if (answer.error) throw new SolanaJSONRPCError(answer.error, `failed to get accounts owned by program ${programId.toBase58()}`);
  const slot = answer.result?.context?.slot;
  const value = answer.result?.value;
  if (typeof slot !== 'number' || !Array.isArray(value)) {
    throw new Error('getProgramAccounts answered without a context slot; the RPC node must support withContext');
  }
  const slices = value.map((entry: { account?: { data?: unknown } }) => {
    const data = entry.account?.data;
    if (!Array.isArray(data) || typeof data[0] !== 'string') throw new Error('getProgramAccounts answered an account without base64 data');
    return Buffer.from(data[0], 'base64');
  });
  return { slot, slices };
}
