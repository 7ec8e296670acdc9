/** Reads a mint account and says which token program it belongs to, or why it is not a mint. */
import { msg, type Message } from '../i18n/message.js';
import { ACCOUNT_SIZE, AccountType, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, unpackMint, type Mint } from '@solana/spl-token';
import { SystemProgram, type Connection, type PublicKey } from '@solana/web3.js';
import { parseAddress } from './address.js';
import { TributaryError } from './errors.js';
import type { TokenProgram } from './types.js';

export interface MintAccount {
  /** Base58, normalised. */
  address: string;
  program: TokenProgram;
  programId: PublicKey;
  /** As @solana/spl-token unpacks it; `tlvData` holds Token-2022 extensions. */
  mint: Mint;
}

/** One getAccountInfo. `what` names the field in messages ("token", "reward"). */
export async function readMint(connection: Connection, text: string, what: string): Promise<MintAccount> {
  const key = parseAddress(text, what);
  const address = key.toBase58();
  const notAMint = (said: Message, reason: string) => new TributaryError('NOT_A_MINT', said, { details: { what, mint: address, reason } });
  const at = { what, address };

  const info = await connection.getAccountInfo(key);
  if (!info) throw notAMint(msg('err.mint.notFound', at), 'not-found');
  const program = info.owner.equals(TOKEN_PROGRAM_ID) ? 'spl-token' : info.owner.equals(TOKEN_2022_PROGRAM_ID) ? 'spl-token-2022' : null;
  if (program === null) {
    if (info.owner.equals(SystemProgram.programId)) throw notAMint(msg('err.mint.wallet', at), 'wallet');
    throw notAMint(msg('err.mint.otherProgram', { ...at, program: info.owner.toBase58() }), 'other-program');
  }
  // A token account is the most likely mix-up (copied from an explorer's holder list).
  const isTokenAccount = info.data.length === ACCOUNT_SIZE || (info.data.length > ACCOUNT_SIZE && info.data[ACCOUNT_SIZE] === AccountType.Account);
  if (isTokenAccount) throw notAMint(msg('err.mint.tokenAccount', at), 'token-account');

  let mint: Mint;
  try {
    mint = unpackMint(key, info, info.owner);
  } catch (cause) {
    throw new TributaryError('NOT_A_MINT', msg('err.mint.layout', at), { details: { what, mint: address, reason: 'layout' }, cause });
  }
  if (!mint.isInitialized) throw notAMint(msg('err.mint.uninitialised', at), 'uninitialised');
  return { address, program, programId: info.owner, mint };
}
