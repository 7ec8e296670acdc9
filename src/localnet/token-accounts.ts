import { AccountLayout, AccountState, ExtensionType, TOKEN_2022_PROGRAM_ID } from '@solana/spl-token';
import { PublicKey } from '@solana/web3.js';
import type { LocalChain } from './chain.js';

/** Token-2022 account with the ImmutableOwner extension, as the ATA program creates them. */
const TOKEN_2022_ACCOUNT_WITH_IMMUTABLE_OWNER = 170;

/**
 * Writes an initialized token account straight into the chain: how the seed builds a community of
 * thousands in milliseconds, and how tests give a wallet of their own some tokens.
 */
export function writeTokenAccount(chain: LocalChain, account: { address: PublicKey; program: PublicKey; mint: PublicKey | string; owner: PublicKey; amount: bigint }): void {
  const is2022 = account.program.equals(TOKEN_2022_PROGRAM_ID);
  const data = Buffer.alloc(is2022 ? TOKEN_2022_ACCOUNT_WITH_IMMUTABLE_OWNER : AccountLayout.span);
  AccountLayout.encode(
    {
      mint: new PublicKey(account.mint),
      owner: account.owner,
      amount: account.amount,
      delegateOption: 0,
      delegate: PublicKey.default,
      state: AccountState.Initialized,
      isNativeOption: 0,
      isNative: 0n,
      delegatedAmount: 0n,
      closeAuthorityOption: 0,
      closeAuthority: PublicKey.default,
    },
    data,
  );
  if (is2022) {
    data[AccountLayout.span] = 2; // AccountType::Account
    data.writeUInt16LE(ExtensionType.ImmutableOwner, AccountLayout.span + 1);
    data.writeUInt16LE(0, AccountLayout.span + 3);
  }
  chain.setAccount({
    address: account.address.toBase58(),
    data,
    lamports: chain.minimumBalanceForRentExemption(data.length),
    owner: account.program.toBase58(),
  });
}
