import bs58 from 'bs58';
import { AccountLayout } from '@solana/spl-token';
import { address, getCompiledTransactionMessageDecoder, getTransactionDecoder, type EncodedAccount, type Transaction } from '@solana/kit';
import type { LiteSVM, InnerInstruction } from 'litesvm';
import type { RpcTransactionError } from './chain.js';

/**
 * Landed transactions as the local chain keeps them (its transaction history) and as
 * `getTransaction` returns them, in the JSON shape of Solana's RPC that @solana/web3.js 1.x parses.
 */

const TOKEN_PROGRAMS = new Set(['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb']);
const TOKEN_ACCOUNT_SIZE = 165;
const MINT_SIZE = 82;
/** Bytes before the first address of an address lookup table account. */
const LOOKUP_TABLE_META_SIZE = 56;

/** A compiled message as @solana/kit decodes it (legacy or v0). */
interface CompiledMessage {
  version: 'legacy' | number;
  header: { numSignerAccounts: number; numReadonlySignerAccounts: number; numReadonlyNonSignerAccounts: number };
  staticAccounts: readonly string[];
  lifetimeToken: string;
  instructions: readonly { programAddressIndex: number; accountIndices?: readonly number[]; data?: Uint8Array | { readonly [i: number]: number; length: number } }[];
  addressTableLookups?: readonly { lookupTableAddress: string; writableIndexes: readonly number[]; readonlyIndexes: readonly number[] }[];
}

export interface DecodedTransaction {
  /** The first signature, the transaction's id. */
  signature: string;
  signatures: string[];
  blockhash: string;
  message: CompiledMessage;
}

export interface RpcTokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: TokenAmount;
}

export interface TokenAmount {
  amount: string;
  decimals: number;
  uiAmount: number;
  uiAmountString: string;
}

export interface RpcInnerInstructions {
  index: number;
  instructions: { programIdIndex: number; accounts: number[]; data: string; stackHeight: number }[];
}

/** What the history keeps of a landed transaction. */
export interface LandedTransaction {
  signature: string;
  slot: number;
  blockTime: number;
  wire: Uint8Array;
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
  fee: number;
  preBalances: number[];
  postBalances: number[];
  preTokenBalances: RpcTokenBalance[];
  postTokenBalances: RpcTokenBalance[];
  innerInstructions: RpcInnerInstructions[];
  loadedAddresses: { writable: string[]; readonly: string[] };
}

/** The accounts a transaction names, in account-index order (static keys, then loaded writable, then loaded readonly). */
export interface TransactionKeys {
  keys: string[];
  loaded: { writable: string[]; readonly: string[] };
  /** Keys the transaction may change. */
  writable: string[];
  /** Indexes of keys that are invoked programs (read for their balance only). */
  programIndexes: Set<number>;
}

export interface AccountCapture {
  balances: number[];
  tokenBalances: RpcTokenBalance[];
  /** The writable accounts, whole (null = does not exist). */
  accounts: Map<string, EncodedAccount | null>;
}

const transactionDecoder = getTransactionDecoder();
const messageDecoder = getCompiledTransactionMessageDecoder();

/** Decodes wire bytes; throws on anything that is not a signed transaction. */
export function decodeTransaction(wire: Uint8Array): DecodedTransaction & { tx: Transaction } {
  const tx = transactionDecoder.decode(wire) as Transaction;
  const message = messageDecoder.decode(tx.messageBytes) as unknown as CompiledMessage;
  const signatures = Object.values(tx.signatures).map((s) => bs58.encode(s ?? new Uint8Array(64)));
  if (signatures.length === 0) throw new Error('transaction has no signature');
  return { tx, signature: signatures[0] as string, signatures, blockhash: message.lifetimeToken, message };
}

/** Static keys the message lets the transaction change. */
function staticWritable(message: CompiledMessage): string[] {
  const { header, staticAccounts } = message;
  const signers = header.numSignerAccounts;
  return staticAccounts.filter((_, i) => i < signers - header.numReadonlySignerAccounts || (i >= signers && i < staticAccounts.length - header.numReadonlyNonSignerAccounts));
}

/** Resolves the keys a transaction names, reading its address lookup tables through `readTable`. */
export function resolveKeys(decoded: DecodedTransaction, readTable: (key: string) => Uint8Array | null): TransactionKeys {
  const { staticAccounts, instructions, addressTableLookups } = decoded.message;
  const writable = staticWritable(decoded.message);
  const loaded = { writable: [] as string[], readonly: [] as string[] };
  for (const lookup of addressTableLookups ?? []) {
    const table = readTable(lookup.lookupTableAddress);
    const at = (i: number) =>
      table && LOOKUP_TABLE_META_SIZE + (i + 1) * 32 <= table.length ? bs58.encode(table.subarray(LOOKUP_TABLE_META_SIZE + i * 32, LOOKUP_TABLE_META_SIZE + (i + 1) * 32)) : null;
    for (const i of lookup.writableIndexes) {
      const key = at(i);
      if (key) loaded.writable.push(key);
    }
    for (const i of lookup.readonlyIndexes) {
      const key = at(i);
      if (key) loaded.readonly.push(key);
    }
  }
  writable.push(...loaded.writable);
  return {
    keys: [...staticAccounts, ...loaded.writable, ...loaded.readonly],
    loaded,
    writable,
    programIndexes: new Set(instructions.map((ix) => ix.programAddressIndex)),
  };
}

/** Balances, token balances and the writable accounts, as they are now. */
export function captureAccounts(svm: LiteSVM, keys: TransactionKeys): AccountCapture {
  const writable = new Set(keys.writable);
  const decimals = new Map<string, number>();
  const mintDecimals = (mint: string) => {
    let d = decimals.get(mint);
    if (d === undefined) {
      const acc = svm.getAccount(address(mint));
      d = acc.exists && acc.data.length >= MINT_SIZE ? (acc.data[44] as number) : 0;
      decimals.set(mint, d);
    }
    return d;
  };
  const capture: AccountCapture = { balances: [], tokenBalances: [], accounts: new Map() };
  keys.keys.forEach((key, i) => {
    if (keys.programIndexes.has(i) && !writable.has(key)) {
      capture.balances.push(Number(svm.getBalance(address(key)) ?? 0n));
      return;
    }
    const got = svm.getAccount(address(key));
    const acc = got.exists ? { ...got, data: Uint8Array.from(got.data) } : null;
    capture.balances.push(Number(acc?.lamports ?? 0n));
    if (writable.has(key)) capture.accounts.set(key, acc);
    const token = acc ? tokenAccountOf(acc) : null;
    if (token) {
      capture.tokenBalances.push({
        accountIndex: i,
        mint: token.mint,
        owner: token.owner,
        programId: acc?.programAddress as string,
        uiTokenAmount: tokenAmount(token.amount, mintDecimals(token.mint)),
      });
    }
  });
  return capture;
}

export function buildRecord(r: {
  decoded: DecodedTransaction;
  keys: TransactionKeys;
  wire: Uint8Array;
  slot: number;
  blockTime: number;
  err: RpcTransactionError | null;
  logs: string[];
  unitsConsumed: number;
  inner: InnerInstruction[][];
  before: AccountCapture;
  after: AccountCapture;
}): LandedTransaction {
  // Every lamport a transaction moves stays among its accounts, except the fee.
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    signature: r.decoded.signature,
    slot: r.slot,
    blockTime: r.blockTime,
    wire: r.wire,
    err: r.err,
    logs: r.logs,
    unitsConsumed: r.unitsConsumed,
    fee: Math.max(0, sum(r.before.balances) - sum(r.after.balances)),
    preBalances: r.before.balances,
    postBalances: r.after.balances,
    preTokenBalances: r.before.tokenBalances,
    postTokenBalances: r.after.tokenBalances,
    innerInstructions: r.inner
      .map((list, index) => ({
        index,
        instructions: list.map((ix) => {
          const compiled = ix.instruction();
          return { programIdIndex: compiled.programIdIndex(), accounts: [...compiled.accounts()], data: bs58.encode(compiled.data()), stackHeight: ix.stackHeight() };
        }),
      }))
      .filter((group) => group.instructions.length > 0),
    loadedAddresses: r.keys.loaded,
  };
}

export function tokenAmount(amount: bigint, decimals: number): TokenAmount {
  const s = amount.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  const uiAmountString = frac ? `${whole}.${frac}` : whole;
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString };
}

function tokenAccountOf(acc: EncodedAccount): { mint: string; owner: string; amount: bigint } | null {
  if (!TOKEN_PROGRAMS.has(acc.programAddress) || acc.data.length < TOKEN_ACCOUNT_SIZE) return null;
  // A mint of Token-2022 with extensions is longer than 165 bytes too: its account-type byte says which it is.
  if (acc.data.length > TOKEN_ACCOUNT_SIZE && acc.data[TOKEN_ACCOUNT_SIZE] !== 2) return null;
  const info = AccountLayout.decode(Uint8Array.from(acc.data.subarray(0, TOKEN_ACCOUNT_SIZE)));
  if (info.state === 0) return null;
  return { mint: info.mint.toBase58(), owner: info.owner.toBase58(), amount: info.amount };
}

export type TransactionEncoding = 'json' | 'jsonParsed' | 'base64' | 'base58';

/**
 * The `getTransaction` result for a landed transaction. Without `maxSupportedTransactionVersion`
 * a node answers only legacy transactions and omits `version`; a v0 one is refused (the caller
 * turns `unsupportedVersion` into error -32015).
 */
export function encodeTransaction(
  record: LandedTransaction,
  decoded: DecodedTransaction,
  opts: { encoding: TransactionEncoding; maxSupportedTransactionVersion?: number },
): { value: unknown } | { unsupportedVersion: number } {
  const { message } = decoded;
  const version = message.version;
  if (version !== 'legacy' && (opts.maxSupportedTransactionVersion === undefined || version > opts.maxSupportedTransactionVersion)) {
    return { unsupportedVersion: version };
  }
  const header = {
    numRequiredSignatures: message.header.numSignerAccounts,
    numReadonlySignedAccounts: message.header.numReadonlySignerAccounts,
    numReadonlyUnsignedAccounts: message.header.numReadonlyNonSignerAccounts,
  };
  const lookups =
    version === 'legacy'
      ? {}
      : {
          addressTableLookups: (message.addressTableLookups ?? []).map((l) => ({
            accountKey: l.lookupTableAddress,
            writableIndexes: [...l.writableIndexes],
            readonlyIndexes: [...l.readonlyIndexes],
          })),
        };
  const keys = [...message.staticAccounts, ...record.loadedAddresses.writable, ...record.loadedAddresses.readonly];
  let transaction: unknown;
  let innerInstructions: unknown = record.innerInstructions;
  if (opts.encoding === 'base64') transaction = [Buffer.from(record.wire).toString('base64'), 'base64'];
  else if (opts.encoding === 'base58') transaction = [bs58.encode(record.wire), 'base58'];
  else if (opts.encoding === 'jsonParsed') {
    // Instructions stay raw, as a node returns those of programs it has no parser for.
    innerInstructions = record.innerInstructions.map((group) => ({
      index: group.index,
      instructions: group.instructions.map((ix) => ({ programId: keys[ix.programIdIndex], accounts: ix.accounts.map((k) => keys[k]), data: ix.data, stackHeight: ix.stackHeight })),
    }));
    const writable = new Set([...staticWritable(message), ...record.loadedAddresses.writable]);
    transaction = {
      signatures: decoded.signatures,
      message: {
        accountKeys: keys.map((pubkey, i) => ({
          pubkey,
          signer: i < message.header.numSignerAccounts,
          writable: writable.has(pubkey),
          source: i < message.staticAccounts.length ? 'transaction' : 'lookupTable',
        })),
        instructions: message.instructions.map((ix) => ({
          programId: keys[ix.programAddressIndex],
          accounts: (ix.accountIndices ?? []).map((k) => keys[k]),
          data: bs58.encode(Uint8Array.from(ix.data ?? [])),
          stackHeight: null,
        })),
        recentBlockhash: message.lifetimeToken,
        ...lookups,
      },
    };
  } else {
    transaction = {
      signatures: decoded.signatures,
      message: {
        header,
        accountKeys: [...message.staticAccounts],
        recentBlockhash: message.lifetimeToken,
        instructions: message.instructions.map((ix) => ({
          programIdIndex: ix.programAddressIndex,
          accounts: [...(ix.accountIndices ?? [])],
          data: bs58.encode(Uint8Array.from(ix.data ?? [])),
          stackHeight: null,
        })),
        ...lookups,
      },
    };
  }
  return {
    value: {
      slot: record.slot,
      blockTime: record.blockTime,
      meta: {
        err: record.err,
        status: record.err ? { Err: record.err } : { Ok: null },
        fee: record.fee,
        preBalances: record.preBalances,
        postBalances: record.postBalances,
        innerInstructions,
        logMessages: record.logs,
        preTokenBalances: record.preTokenBalances,
        postTokenBalances: record.postTokenBalances,
        rewards: [],
        loadedAddresses: record.loadedAddresses,
        computeUnitsConsumed: record.unitsConsumed,
      },
      transaction,
      ...(opts.maxSupportedTransactionVersion !== undefined ? { version } : {}),
    },
  };
}
