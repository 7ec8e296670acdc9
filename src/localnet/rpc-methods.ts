import bs58 from 'bs58';
import { AccountLayout, MintLayout, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import type { EncodedAccount, ReadonlyUint8Array } from '@solana/kit';
import { ChainRejection, type LocalChain } from './chain.js';
import type { FaultInjector } from './faults.js';

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

/** The JSON-RPC methods the local chain answers, with Solana's request and response shapes. */
export function createRpcMethods(chain: LocalChain, faults: FaultInjector): Map<string, Handler> {
  const ctx = () => ({ slot: chain.slot, apiVersion: '2.2.0' });
  const withContext = (value: unknown) => ({ context: ctx(), value });

  const methods: Record<string, Handler> = {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': '2.2.0-litesvm', 'feature-set': 0 }),
    getGenesisHash: () => 'Tributary1ocaLnet111111111111111111111111111',
    getSlot: () => chain.slot,
    getBlockHeight: () => chain.blockHeight,
    getEpochInfo: () => ({
      absoluteSlot: chain.slot,
      blockHeight: chain.blockHeight,
      epoch: 0,
      slotIndex: chain.slot,
      slotsInEpoch: 432_000,
      transactionCount: null,
    }),
    getLatestBlockhash: () => withContext(chain.latestBlockhash()),
    isBlockhashValid: ([hash]) => withContext(chain.isBlockhashValid(String(hash))),
    getFeeForMessage: () => withContext(5000),
    getBalance: ([pubkey]) => withContext(Number(chain.getBalance(asPubkey(pubkey)))),
    getMinimumBalanceForRentExemption: ([size]) => Number(chain.minimumBalanceForRentExemption(Number(size ?? 0))),
    getAccountInfo: ([pubkey, config]) => {
      const acc = chain.getAccount(asPubkey(pubkey));
      return withContext(acc ? encodeAccount(acc, (config ?? {}) as AccountQueryConfig) : null);
    },
    getMultipleAccounts: ([keys, config]) => {
      if (!Array.isArray(keys)) throw new RpcError(-32602, 'Invalid params: expected an array of public keys');
      if (keys.length > 100) throw new RpcError(-32602, 'Too many inputs provided; max 100');
      return withContext(
        keys.map((k) => {
          const acc = chain.getAccount(asPubkey(k));
          return acc ? encodeAccount(acc, (config ?? {}) as AccountQueryConfig) : null;
        }),
      );
    },
    getProgramAccounts: ([programId, config]) => {
      const cfg = (config ?? {}) as AccountQueryConfig;
      const accounts = chain.getProgramAccounts(asPubkey(programId)).filter((acc) => matchesFilters(acc.data, cfg.filters));
      const value = accounts.map((acc) => ({ pubkey: acc.address, account: encodeAccount(acc, cfg) }));
      return cfg.withContext ? withContext(value) : value;
    },
    getTokenAccountBalance: ([pubkey]) => {
      const acc = chain.getAccount(asPubkey(pubkey));
      if (!acc || !TOKEN_PROGRAMS.has(acc.programAddress) || acc.data.length < TOKEN_ACCOUNT_SIZE) {
        throw new RpcError(-32602, 'Invalid param: not a Token account');
      }
      const info = AccountLayout.decode(Uint8Array.from(acc.data.subarray(0, TOKEN_ACCOUNT_SIZE)));
      const decimals = mintDecimals(chain, info.mint.toBase58());
      return withContext(tokenAmount(info.amount, decimals));
    },
    getTokenSupply: ([mint]) => {
      const acc = chain.getAccount(asPubkey(mint));
      if (!acc || !TOKEN_PROGRAMS.has(acc.programAddress) || acc.data.length < MINT_SIZE) {
        throw new RpcError(-32602, 'Invalid param: not a Token mint');
      }
      const info = MintLayout.decode(Uint8Array.from(acc.data.subarray(0, MINT_SIZE)));
      return withContext(tokenAmount(info.supply, info.decimals));
    },
    getTokenAccountsByOwner: ([owner, filter, config]) => {
      const ownerKey = asPubkey(owner);
      const f = (filter ?? {}) as { mint?: string; programId?: string };
      const programs = f.programId ? [f.programId] : [...TOKEN_PROGRAMS];
      const cfg = (config ?? {}) as AccountQueryConfig;
      const ownerBytes = bs58.decode(ownerKey);
      const value = programs
        .flatMap((p) => chain.getProgramAccounts(p))
        .filter((acc) => acc.data.length >= TOKEN_ACCOUNT_SIZE && bytesEqual(acc.data.subarray(32, 64), ownerBytes))
        .filter((acc) => !f.mint || bs58.encode(acc.data.subarray(0, 32)) === f.mint)
        .map((acc) => ({ pubkey: acc.address, account: encodeAccount(acc, cfg, chain) }));
      return withContext(value);
    },
    getRecentPrioritizationFees: () => {
      const fees = [];
      for (let i = 0; i < 150; i++) fees.push({ slot: chain.slot - i, prioritizationFee: chain.prioritizationFee });
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
        const sim = safeSimulate(chain, wire);
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
      const execute = !faults.shouldDropTransaction();
      const fail = execute && faults.shouldFailTransaction();
      try {
        return chain.send(wire, { rejectExpired: preflight, execute, fail }).signature;
      } catch (e) {
        if (e instanceof ChainRejection) throw new RpcError(-32002, `Transaction simulation failed: ${e.message}`, { err: e.err, logs: e.logs });
        throw e;
      }
    },
    simulateTransaction: ([encoded, config]) => {
      const cfg = (config ?? {}) as { encoding?: string; replaceRecentBlockhash?: boolean };
      const sim = safeSimulate(chain, decodeWire(encoded, cfg.encoding), cfg.replaceRecentBlockhash);
      return withContext({ ...sim, accounts: null, returnData: null });
    },
    getSignatureStatuses: ([signatures]) => {
      if (!Array.isArray(signatures)) throw new RpcError(-32602, 'Invalid params: expected an array of signatures');
      if (signatures.length > 256) throw new RpcError(-32602, 'Too many inputs provided; max 256');
      return withContext(
        signatures.map((sig) => {
          const status = chain.signatureStatus(String(sig));
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
  };
  return new Map(Object.entries(methods));
}

function safeSimulate(chain: LocalChain, wire: Uint8Array, replaceRecentBlockhash = false) {
  try {
    return chain.simulate(wire, { replaceRecentBlockhash });
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

function decodeWire(encoded: unknown, encoding = 'base58'): Uint8Array {
  if (typeof encoded !== 'string') throw new RpcError(-32602, 'Invalid params: expected an encoded transaction string');
  return encoding === 'base64' ? new Uint8Array(Buffer.from(encoded, 'base64')) : bs58.decode(encoded);
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

function encodeAccount(acc: EncodedAccount, cfg: AccountQueryConfig, chain?: LocalChain) {
  const base = {
    executable: acc.executable,
    lamports: Number(acc.lamports),
    owner: acc.programAddress,
    rentEpoch: 0,
    space: acc.data.length,
  };
  if (cfg.encoding === 'jsonParsed' && chain && TOKEN_PROGRAMS.has(acc.programAddress) && acc.data.length >= TOKEN_ACCOUNT_SIZE) {
    const info = AccountLayout.decode(Uint8Array.from(acc.data.subarray(0, TOKEN_ACCOUNT_SIZE)));
    const decimals = mintDecimals(chain, info.mint.toBase58());
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
  if (cfg.encoding === "base58") return { ...base, data: [bs58.encode(Uint8Array.from(data)), 'base58'] };
  return { ...base, data: [Buffer.from(data).toString('base64'), 'base64'] };
}

function mintDecimals(chain: LocalChain, mint: string): number {
  const acc = chain.getAccount(mint);
  return acc && acc.data.length >= MINT_SIZE ? (acc.data[44] as number) : 0;
}

function tokenAmount(amount: bigint, decimals: number) {
  const s = amount.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  const uiAmountString = frac ? `${whole}.${frac}` : whole;
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString };
}
