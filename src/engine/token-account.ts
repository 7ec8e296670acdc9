/**
 * The SPL token account layout (the same first 165 bytes in both token programs; Token-2022 puts
 * its extensions after them), and the one decoder of it. Byte offsets, not @solana/spl-token's
 * AccountLayout: its u64 reader loads a native binding that the bin runs without.
 */
import { PublicKey } from '@solana/web3.js';

/** mint (32) | owner (32) | amount (u64 LE) | delegate ... | state (u8) ... */
export const TOKEN_ACCOUNT = {
  mintOffset: 0,
  ownerOffset: 32,
  amountOffset: 64,
  stateOffset: 108,
  /** Bytes of the base layout; a Token-2022 account with extensions is longer. */
  size: 165,
} as const;

/** A token account's `state`: 2 is frozen (no transfer in or out succeeds). */
const FROZEN = 2;

/** Decimals of a mint account: byte 44 of the base mint layout, in both token programs. */
const MINT_DECIMALS_OFFSET = 44;
const MINT_SIZE = 82;

export interface TokenAccountData {
  mint: string;
  owner: string;
  amount: bigint;
  frozen: boolean;
}

/** The token account in `data`, or null when `data` is too short to be one. */
export function decodeTokenAccount(data: Uint8Array): TokenAccountData | null {
  if (data.length < TOKEN_ACCOUNT.size) return null;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    mint: new PublicKey(bytes.subarray(TOKEN_ACCOUNT.mintOffset, TOKEN_ACCOUNT.mintOffset + 32)).toBase58(),
    owner: new PublicKey(bytes.subarray(TOKEN_ACCOUNT.ownerOffset, TOKEN_ACCOUNT.ownerOffset + 32)).toBase58(),
    amount: bytes.readBigUInt64LE(TOKEN_ACCOUNT.amountOffset),
    frozen: bytes[TOKEN_ACCOUNT.stateOffset] === FROZEN,
  };
}

/** The decimals of the mint account in `data`, or null when `data` is too short to be one. */
export function decodeMintDecimals(data: Uint8Array): number | null {
  return data.length >= MINT_SIZE ? (data[MINT_DECIMALS_OFFSET] as number) : null;
}
