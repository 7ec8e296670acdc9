import bs58 from 'bs58';
import { AccountLayout, MintLayout, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import type { EncodedAccount, ReadonlyUint8Array } from '@solana/kit';
import { ChainRejection, type Commitment, type LocalChain, type SendOutcome, type ViewPoint } from './chain.js';
import type { FaultInjector } from './faults.js';
import { decodeTransaction, encodeTransaction, tokenAmount } from './transactions.js';

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

type Params = unknown[];
type Handler = (params: Params) => unknown;

interface AccountQueryConfig {
  encoding?: string;
  dataSlice?: { offset: number; length: number };
  filters?: ({ dataSize: number } | { memcmp: { offset: number; bytes: string; encoding?: string } })[];
  withContext?: boolean;
}

const TOKEN_PROGRAMS = new Set([TOKEN_PROGRAM_ID.toBase58(), TOKEN_2022_PROGRAM_ID.toBase58()]);
const TOKEN_ACCOUNT_SIZE = 165;
const MINT_SIZE = 82;

/** What one RPC node is: how far behind the tip it answers, and whether it keeps transaction history. */
export interface NodeSettings {
  lagSlots: number;
  transactionHistory: boolean;
  /**
   * Most accounts one getProgramAccounts answer may carry; past it the node answers an error as
   * Helius does ("Too many accounts requested …"). null: no limit. docs/solana-rpc-behaviour.md, "Holder snapshots".
   */
  maxProgramAccounts?: number | null;
  /** false: refuse getProgramAccounts on the token programs (-32010), as public mainnet endpoints do. Default true. */
  tokenProgramScans?: boolean;
  /** false: no DAS methods (getTokenAccounts is "Method not found"). Default true. */
  das?: boolean;
}

/** Error codes of Solana's RPC that the local chain answers (docs/solana-rpc-behaviour.md). */
export const RPC_ERRORS = {
  transactionHistoryNotAvailable: -32011,
  unsupportedTransactionVersion: -32015,
  minContextSlotNotReached: -32016,
} as const;

interface CommitmentConfig {
  commitment?: unknown;
  minContextSlot?: unknown;
}

const COMMITMENTS: Record<string, Commitment> = {
  processed: 'processed',
  confirmed: 'confirmed',
  finalized: 'finalized',
  // Names older clients still send.
  recent: 'processed',
  single: 'confirmed',
  singleGossip: 'confirmed',
  root: 'finalized',
  max: 'finalized',
};

/**
 * The JSON-RPC methods one node answers, with Solana's request and response shapes. Every answer
 * is as of the node's view (docs/solana-rpc-behaviour.md): `node.lagSlots` behind the tip, at the
 * request's commitment, `finalized` when the request names none (Agave's default).
 */
export function createRpcMethods(chain: LocalChain, faults: FaultInjector, node: NodeSettings, hooks: { onSend?: (outcome: SendOutcome) => void } = {}): Map<string, Handler> {
  /** The view a request reads, from its config object; refuses a minContextSlot the view has not reached. */
  const viewOf = (config: unknown, fallback: Commitment = 'finalized'): ViewPoint => {
    const cfg = (config && typeof config === 'object' ? config : {}) as CommitmentConfig;
    let commitment = fallback;
    if (cfg.commitment !== undefined) {
      const named = typeof cfg.commitment === 'string' ? COMMITMENTS[cfg.commitment] : undefined;
      if (!named) throw new RpcError(-32602, `Invalid params: unknown commitment ${JSON.stringify(cfg.commitment)}`);
      commitment = named;
    }
    const view: ViewPoint = { lagSlots: node.lagSlots, commitment };
    if (typeof cfg.minContextSlot === 'number') {
      const contextSlot = chain.bankSlot(view);
      if (contextSlot < cfg.minContextSlot) {
        throw new RpcError(RPC_ERRORS.minContextSlotNotReached, 'Minimum context slot has not been reached', { contextSlot });
      }
    }
    return view;
  };
  const ctx = (view: ViewPoint) => ({ slot: chain.bankSlot(view), apiVersion: '2.2.0' });
  const withContext = (view: ViewPoint, value: unknown) => ({ context: ctx(view), value });
  const processedView = (): ViewPoint => ({ lagSlots: node.lagSlots, commitment: 'processed' });
  const requireHistory = () => {
    if (!node.transactionHistory) throw new RpcError(RPC_ERRORS.transactionHistoryNotAvailable, 'Transaction history is not available from this node');
  };

  const methods: Record<string, Handler> = {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': '2.2.0-litesvm', 'feature-set': 0 }),
    getGenesisHash: () => 'Tributary1ocaLnet111111111111111111111111111',
    getSlot: ([config]) => chain.bankSlot(viewOf(config)),
    getBlockHeight: ([config]) => chain.bankHeight(viewOf(config)),
    // The local chain keeps every transaction it ran, so its ledger starts at the first slot.
    minimumLedgerSlot: () => 0,
    getEpochInfo: ([config]) => {
      const view = viewOf(config);
      const slot = chain.bankSlot(view);
      return { absoluteSlot: slot, blockHeight: chain.bankHeight(view), epoch: 0, slotIndex: slot, slotsInEpoch: 432_000, transactionCount: chain.transactionCount(view) };
    },
    getLatestBlockhash: ([config]) => {
      const view = viewOf(config);
      return withContext(view, chain.latestBlockhash(view));
    },
    isBlockhashValid: ([hash, config]) => {
      const view = viewOf(config);
      return withContext(view, chain.isBlockhashValid(String(hash), view));
    },
    getFeeForMessage: ([, config]) => withContext(viewOf(config), 5000),
    getBalance: ([pubkey, config]) => {
      const view = viewOf(config);
      return withContext(view, Number(chain.getBalance(asPubkey(pubkey), view)));
    },
    getMinimumBalanceForRentExemption: ([size]) => Number(chain.minimumBalanceForRentExemption(Number(size ?? 0))),
    getAccountInfo: ([pubkey, config]) => {
      const view = viewOf(config);
      const acc = chain.getAccount(asPubkey(pubkey), view);
      return withContext(view, acc ? encodeAccount(acc, (config ?? {}) as AccountQueryConfig) : null);
    },
    getMultipleAccounts: ([keys, config]) => {
      if (!Array.isArray(keys)) throw new RpcError(-32602, 'Invalid params: expected an array of public keys');
      if (keys.length > 100) throw new RpcError(-32602, 'Too many inputs provided; max 100');
      const view = viewOf(config);
      return withContext(
        view,
        keys.map((k) => {
          const acc = chain.getAccount(asPubkey(k), view);
          return acc ? encodeAccount(acc, (config ?? {}) as AccountQueryConfig) : null;
        }),
      );
    },
    getProgramAccounts: ([programId, config]) => {
      const cfg = (config ?? {}) as AccountQueryConfig;
      const view = viewOf(config);
      const program = asPubkey(programId);
      if (node.tokenProgramScans === false && TOKEN_PROGRAMS.has(program)) {
        throw new RpcError(-32010, `${program} excluded from account secondary indexes; this RPC method unavailable for key`);
      }
      const tooMany = (count: number) => {
        if (node.maxProgramAccounts != null && count > node.maxProgramAccounts) {
          throw new RpcError(-32600, `Too many accounts requested (${count} pubkeys), Please use getProgramAccountsV2 with pagination`);
        }
      };
      const bulk = chain.bulk.find((b) => b.answers(program, cfg.filters));
      if (bulk) {
        // Counted before anything is encoded, as a provider refuses before it builds the answer.
        const rows = [...bulk.matching(cfg.filters ?? [])];
        tooMany(rows.length);
        const rent = rows.length ? Number(chain.minimumBalanceForRentExemption(bulk.data(rows[0] as number).length)) : 0;
        const value = rows.map((i) => ({ pubkey: bulk.address(i), account: encodeBulkAccount(bulk.data(i), bulk.programId, rent, cfg) }));
        return cfg.withContext ? withContext(view, value) : value;
      }
      const accounts = chain.getProgramAccounts(program, view).filter((acc) => matchesFilters(acc.data, cfg.filters));
      tooMany(accounts.length);
      const value = accounts.map((acc) => ({ pubkey: acc.address, account: encodeAccount(acc, cfg) }));
      return cfg.withContext ? withContext(view, value) : value;
    },
    getTokenAccounts: ([params]) => {
      if (node.das === false) throw new RpcError(-32601, 'Method not found: getTokenAccounts');
      return dasTokenAccounts(chain, viewOf(undefined), params);
    },
    getTokenAccountBalance: ([pubkey, config]) => {
      const view = viewOf(config);
      const acc = chain.getAccount(asPubkey(pubkey), view);
      if (!acc || !TOKEN_PROGRAMS.has(acc.programAddress) || acc.data.length < TOKEN_ACCOUNT_SIZE) {
        throw new RpcError(-32602, 'Invalid param: not a Token account');
      }
      const info = AccountLayout.decode(Uint8Array.from(acc.data.subarray(0, TOKEN_ACCOUNT_SIZE)));
      const decimals = mintDecimals(chain, info.mint.toBase58(), view);
      return withContext(view, tokenAmount(info.amount, decimals));
    },
    getTokenSupply: ([mint, config]) => {
      const view = viewOf(config);
      const acc = chain.getAccount(asPubkey(mint), view);
      if (!acc || !TOKEN_PROGRAMS.has(acc.programAddress) || acc.data.length < MINT_SIZE) {
        throw new RpcError(-32602, 'Invalid param: not a Token mint');
      }
      const info = MintLayout.decode(Uint8Array.from(acc.data.subarray(0, MINT_SIZE)));
      return withContext(view, tokenAmount(info.supply, info.decimals));
    },
    getTokenAccountsByOwner: ([owner, filter, config]) => {
      const ownerKey = asPubkey(owner);
      const f = (filter ?? {}) as { mint?: string; programId?: string };
      const programs = f.programId ? [f.programId] : [...TOKEN_PROGRAMS];
      const cfg = (config ?? {}) as AccountQueryConfig;
      const view = viewOf(config);
      const ownerBytes = bs58.decode(ownerKey);
      const value = programs
        .flatMap((p) => chain.getProgramAccounts(p, view))
        .filter((acc) => acc.data.length >= TOKEN_ACCOUNT_SIZE && bytesEqual(acc.data.subarray(32, 64), ownerBytes))
        .filter((acc) => !f.mint || bs58.encode(acc.data.subarray(0, 32)) === f.mint)
        .map((acc) => ({ pubkey: acc.address, account: encodeAccount(acc, cfg, chain, view) }));
      return withContext(view, value);
    },
    getRecentPrioritizationFees: () => {
      const tip = chain.bankSlot(processedView());
      const fees = [];
      for (let i = 0; i < 150; i++) fees.push({ slot: tip - i, prioritizationFee: chain.prioritizationFee });
      return fees;
    },
    requestAirdrop: ([pubkey, amount]) => {
      chain.airdrop(asPubkey(pubkey), BigInt(Number(amount)));
      return bs58.encode(Buffer.alloc(64, Math.floor(Math.random() * 255)));
    },
    sendTransaction: ([encoded, config]) => {
      const cfg = (config ?? {}) as { encoding?: string; skipPreflight?: boolean };
      const wire = decodeWire(encoded, cfg.encoding);
      const preflight = !cfg.skipPreflight;
      if (preflight) {
        // Preflight runs on this node's own bank: a lagging node does not know the newest blockhashes.
        const sim = safeSimulate(chain, wire, { at: processedView() });
        if (sim.err) {
          throw new RpcError(-32002, `Transaction simulation failed: ${describeErr(sim.err)}`, {
            err: sim.err,
            logs: sim.logs,
            accounts: null,
            unitsConsumed: sim.unitsConsumed,
            returnData: null,
          });
        }
      }
      // The node forwards the transaction to the leader, which works at the tip.
      const execute = !faults.shouldDropTransaction();
      const fork = execute && faults.shouldForkFail();
      const fail = execute && !fork && faults.shouldFailTransaction();
      try {
        const outcome = chain.send(wire, { rejectExpired: preflight, execute, fail, fork });
        hooks.onSend?.(outcome);
        return outcome.signature;
      } catch (e) {
        if (e instanceof ChainRejection) throw new RpcError(-32002, `Transaction simulation failed: ${e.message}`, { err: e.err, logs: e.logs });
        throw e;
      }
    },
    simulateTransaction: ([encoded, config]) => {
      const cfg = (config ?? {}) as { encoding?: string; replaceRecentBlockhash?: boolean };
      const view = viewOf(config);
      const sim = safeSimulate(chain, decodeWire(encoded, cfg.encoding), { replaceRecentBlockhash: cfg.replaceRecentBlockhash === true, at: processedView() });
      return withContext(view, { ...sim, accounts: null, returnData: null });
    },
    getSignatureStatuses: ([signatures, config]) => {
      if (!Array.isArray(signatures)) throw new RpcError(-32602, 'Invalid params: expected an array of signatures');
      if (signatures.length > 256) throw new RpcError(-32602, 'Too many inputs provided; max 256');
      const searchTransactionHistory = (config as { searchTransactionHistory?: unknown } | undefined)?.searchTransactionHistory === true;
      if (searchTransactionHistory) requireHistory();
      // Statuses come from the node's processed bank, whatever the client's commitment.
      return withContext(
        processedView(),
        signatures.map((sig) => {
          const status = chain.signatureStatus(String(sig), { lagSlots: node.lagSlots, searchTransactionHistory });
          if (!status) return null;
          return {
            slot: status.slot,
            confirmations: status.confirmations,
            err: status.err,
            status: status.err ? { Err: status.err } : { Ok: null },
            confirmationStatus: status.confirmationStatus,
          };
        }),
      );
    },
    getTransaction: ([signature, config]) => {
      const cfg = (typeof config === 'string' ? { encoding: config } : (config ?? {})) as {
        encoding?: unknown;
        maxSupportedTransactionVersion?: unknown;
        commitment?: unknown;
      };
      const sig = asSignature(signature);
      const view = viewOf(cfg);
      if (view.commitment === 'processed') throw new RpcError(-32602, 'Method does not support commitment below `confirmed`');
      const encoding = cfg.encoding ?? 'json';
      if (encoding !== 'json' && encoding !== 'jsonParsed' && encoding !== 'base64' && encoding !== 'base58') {
        throw new RpcError(-32602, `Invalid params: unsupported encoding ${JSON.stringify(encoding)}`);
      }
      const maxVersion = cfg.maxSupportedTransactionVersion;
      if (maxVersion !== undefined && maxVersion !== null && (typeof maxVersion !== 'number' || !Number.isInteger(maxVersion) || maxVersion < 0)) {
        throw new RpcError(-32602, 'Invalid params: maxSupportedTransactionVersion must be a whole number');
      }
      requireHistory();
      const record = chain.transaction(sig, view);
      if (!record) return null;
      const encoded = encodeTransaction(record, decodeTransaction(record.wire), {
        encoding,
        ...(typeof maxVersion === 'number' ? { maxSupportedTransactionVersion: maxVersion } : {}),
      });
      if ('unsupportedVersion' in encoded) {
        throw new RpcError(
          RPC_ERRORS.unsupportedTransactionVersion,
          `Transaction version (${encoded.unsupportedVersion}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${encoded.unsupportedVersion}`,
        );
      }
      return encoded.value;
    },
  };
  return new Map(Object.entries(methods));
}

/** DAS getTokenAccounts: { mint, owner?, limit (1-1000), cursor? | page?, options: { showZeroBalance } }. */
function dasTokenAccounts(chain: LocalChain, view: ViewPoint, params: unknown) {
  const p = (params && typeof params === 'object' ? params : {}) as {
    mint?: unknown;
    owner?: unknown;
    limit?: unknown;
    cursor?: unknown;
    page?: unknown;
    options?: { showZeroBalance?: unknown };
  };
  if (typeof p.mint !== 'string') throw new RpcError(-32602, 'Invalid params: getTokenAccounts takes a mint (owner-only queries are not served here)');
  const mint = asPubkey(p.mint);
  const limit = p.limit === undefined ? 100 : Number(p.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RpcError(-32602, 'Invalid params: limit must be 1 to 1000');
  if (p.cursor !== undefined && p.page !== undefined) throw new RpcError(-32602, 'Invalid params: cursor and page cannot be used together');
  const showZero = p.options?.showZeroBalance === true;
  const owner = typeof p.owner === 'string' ? bs58.decode(asPubkey(p.owner)) : null;
  const page: { address: string; mint: string; owner: string; amount: number; delegated_amount: number; frozen: boolean }[] = [];
  const take = (address: string, ownerBytes: Uint8Array, amount: bigint, frozen: boolean): boolean => {
    if (!showZero && amount === 0n) return false;
    if (owner && !bytesEqual(ownerBytes, owner)) return false;
    // A JSON number, as providers send it: above 2^53 a client's JSON.parse cannot read it exactly.
    page.push({ address, mint, owner: bs58.encode(ownerBytes), amount: Number(amount), delegated_amount: 0, frozen });
    return true;
  };
  const cursorBytes = typeof p.cursor === 'string' && p.cursor !== '' ? bs58.decode(asPubkey(p.cursor)) : null;
  const pageNumber = p.page === undefined ? null : Number(p.page);
  if (pageNumber !== null && (!Number.isInteger(pageNumber) || pageNumber < 1)) throw new RpcError(-32602, 'Invalid params: page starts at 1');
  let skip = pageNumber === null ? 0 : (pageNumber - 1) * limit;
  const bulk = chain.bulk.find((b) => b.mint === mint);
  if (bulk) {
    for (let i = cursorBytes ? bulk.after(cursorBytes) : 0; i < bulk.count && page.length < limit; i++) {
      const amount = bulk.amount(i);
      if (!showZero && amount === 0n) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      take(bulk.address(i), bulk.ownerBytes(i), amount, false);
    }
  } else {
    const accounts = [...TOKEN_PROGRAMS]
      .flatMap((program) => chain.getProgramAccounts(program, view))
      .filter((acc) => acc.data.length >= TOKEN_ACCOUNT_SIZE && bs58.encode(acc.data.subarray(0, 32)) === mint)
      .map((acc) => ({ acc, key: bs58.decode(acc.address) }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    for (const { acc, key } of accounts) {
      if (page.length >= limit) break;
      if (cursorBytes && Buffer.compare(Buffer.from(key), Buffer.from(cursorBytes)) <= 0) continue;
      const data = Buffer.from(acc.data);
      const amount = data.readBigUInt64LE(64);
      if (!showZero && amount === 0n) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      take(acc.address, data.subarray(32, 64), amount, data[108] === 2);
    }
  }
  return {
    total: page.length,
    limit,
    ...(pageNumber !== null ? { page: pageNumber } : {}),
    ...(page.length > 0 && pageNumber === null ? { cursor: (page[page.length - 1] as { address: string }).address } : {}),
    token_accounts: page,
  };
}

/** A bulk-seeded token account as getProgramAccounts encodes it (dataSlice, base64 or base58). */
function encodeBulkAccount(data: Buffer, programId: string, lamports: number, cfg: AccountQueryConfig) {
  const sliced = cfg.dataSlice ? data.subarray(cfg.dataSlice.offset, cfg.dataSlice.offset + cfg.dataSlice.length) : data;
  const base = { executable: false, lamports, owner: programId, rentEpoch: 0, space: data.length };
  if (cfg.encoding === 'base58') return { ...base, data: [bs58.encode(sliced), 'base58'] };
  return { ...base, data: [sliced.toString('base64'), 'base64'] };
}

function safeSimulate(chain: LocalChain, wire: Uint8Array, opts: { replaceRecentBlockhash?: boolean; at: ViewPoint }) {
  try {
    return chain.simulate(wire, opts);
  } catch (e) {
    if (e instanceof ChainRejection) return { err: e.err, logs: e.logs, unitsConsumed: 0 };
    throw e;
  }
}

/** Preflight messages as a validator words them; web3.js callers match on some of them. */
const PREFLIGHT_MESSAGES: Record<string, string> = {
  BlockhashNotFound: 'Blockhash not found',
  AlreadyProcessed: 'This transaction has already been processed',
  InsufficientFundsForFee: 'Attempt to debit an account but found no record of a prior credit.',
};

function describeErr(err: unknown): string {
  if (typeof err === 'string') return PREFLIGHT_MESSAGES[err] ?? err;
  return JSON.stringify(err);
}

function asPubkey(value: unknown): string {
  if (typeof value !== 'string') throw new RpcError(-32602, 'Invalid param: expected a base-58 public key string');
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(value);
  } catch {
    throw new RpcError(-32602, `Invalid param: Invalid public key: ${value}`);
  }
  if (bytes.length !== 32) throw new RpcError(-32602, `Invalid param: Invalid public key: ${value}`);
  return value;
}

function asSignature(value: unknown): string {
  let bytes: Uint8Array | null = null;
  try {
    bytes = typeof value === 'string' ? bs58.decode(value) : null;
  } catch {
    bytes = null;
  }
  if (!bytes || bytes.length !== 64) throw new RpcError(-32602, `Invalid param: ${JSON.stringify(value)} is not a signature`);
  return value as string;
}

/** Bytes a transaction may take on the wire: a node refuses a bigger one before it runs or forwards it (docs/solana-rpc-behaviour.md). */
const PACKET_DATA_SIZE = 1232;

function decodeWire(encoded: unknown, encoding = 'base58'): Uint8Array {
  if (typeof encoded !== 'string') throw new RpcError(-32602, 'Invalid params: expected an encoded transaction string');
  const wire = encoding === 'base64' ? new Uint8Array(Buffer.from(encoded, 'base64')) : bs58.decode(encoded);
  if (wire.length > PACKET_DATA_SIZE) {
    throw new RpcError(-32602, `decoded solana_transaction::versioned::VersionedTransaction too large: ${wire.length} bytes (max: ${PACKET_DATA_SIZE} bytes)`);
  }
  return wire;
}

function matchesFilters(data: ReadonlyUint8Array, filters: AccountQueryConfig['filters']): boolean {
  for (const filter of filters ?? []) {
    if ('dataSize' in filter) {
      if (data.length !== filter.dataSize) return false;
    } else if ('memcmp' in filter) {
      const { offset, bytes, encoding } = filter.memcmp;
      const wanted = encoding === 'base64' ? Buffer.from(bytes, 'base64') : bs58.decode(bytes);
      if (!bytesEqual(data.subarray(offset, offset + wanted.length), wanted)) return false;
    } else {
      throw new RpcError(-32602, `Invalid params: unsupported filter ${JSON.stringify(filter)}`);
    }
  }
  return true;
}

function bytesEqual(a: ReadonlyUint8Array, b: ReadonlyUint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Base64 or base58 data; token accounts as `jsonParsed` when a chain and view are given to read their mint. */
function encodeAccount(acc: EncodedAccount, cfg: AccountQueryConfig, chain?: LocalChain, view?: ViewPoint) {
  const base = {
    executable: acc.executable,
    lamports: Number(acc.lamports),
    owner: acc.programAddress,
    rentEpoch: 0,
    space: acc.data.length,
  };
  if (cfg.encoding === 'jsonParsed' && chain && view && TOKEN_PROGRAMS.has(acc.programAddress) && acc.data.length >= TOKEN_ACCOUNT_SIZE) {
    const info = AccountLayout.decode(Uint8Array.from(acc.data.subarray(0, TOKEN_ACCOUNT_SIZE)));
    const decimals = mintDecimals(chain, info.mint.toBase58(), view);
    const state = ['uninitialized', 'initialized', 'frozen'][info.state] ?? 'initialized';
    return {
      ...base,
      data: {
        program: acc.programAddress === TOKEN_PROGRAM_ID.toBase58() ? 'spl-token' : 'spl-token-2022',
        parsed: {
          type: 'account',
          info: { mint: info.mint.toBase58(), owner: info.owner.toBase58(), state, isNative: false, tokenAmount: tokenAmount(info.amount, decimals) },
        },
        space: acc.data.length,
      },
    };
  }
  let data = acc.data;
  if (cfg.dataSlice) data = data.subarray(cfg.dataSlice.offset, cfg.dataSlice.offset + cfg.dataSlice.length);
  if (cfg.encoding === 'base58') return { ...base, data: [bs58.encode(Uint8Array.from(data)), 'base58'] };
  return { ...base, data: [Buffer.from(data).toString('base64'), 'base64'] };
}

function mintDecimals(chain: LocalChain, mint: string, view: ViewPoint): number {
  const acc = chain.getAccount(mint, view);
  return acc && acc.data.length >= MINT_SIZE ? (acc.data[44] as number) : 0;
}
