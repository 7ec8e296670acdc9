/**
 * What a distribution pays: native SOL or an SPL mint that can be paid reliably, exactly and in full.
 * A mint that would shortchange or fail recipients is refused up front with the reason
 * (docs/solana-rpc-behaviour.md: transfer fee, transfer hook, default-frozen accounts), before any plan is shown.
 */
import type { MessageKey } from '../i18n/catalogue/keys.js';
import { msg } from '../i18n/message.js';
import {
  AccountState,
  ExtensionType,
  NATIVE_MINT,
  NATIVE_MINT_2022,
  getAccountLen,
  getAccountTypeOfMintType,
  getDefaultAccountState,
  getExtensionTypes,
  getPausableConfig,
  getTransferFeeConfig,
  getTransferHook,
  type Mint,
} from '@solana/spl-token';
import { PublicKey, type Connection } from '@solana/web3.js';
import { shortAddress } from './address.js';
import { formatAmount } from './amounts.js';
import { TributaryError } from './errors.js';
import { readMint } from './mint.js';
import type { RewardAsset } from './types.js';

const LEGACY_ACCOUNT_SIZE = 165;

/**
 * Symbols for well-known mainnet mints. On-chain metadata is not used: anyone can name a token
 * "USDC", and a chat message must not vouch for a copycat. Everything else shows as "EPjF…Dt1v".
 */
const KNOWN_SYMBOLS: Readonly<Record<string, string>> = {
  EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: 'USDC',
  Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB: 'USDT',
  '2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo': 'PYUSD',
};

/**
 * Token-2022 mint extensions and whether a distribution can pay the mint. The rule: refuse what
 * would make a transfer deliver less than planned, fail now, or show recipients other amounts than
 * the plan; allow what only describes the token or gives its issuer powers the issuer of a legacy
 * mint has too (a legacy mint's freeze authority can freeze recipients; we pay USDC all the same).
 *
 * - TransferFeeConfig: refused when either the current or the scheduled fee is above 0; a fee
 *   change needs two epochs' notice, so a 0/0 mint charges nothing during a distribution.
 * - TransferHook: refused when a hook program is set: it runs on every transfer, needs extra
 *   accounts our transfers do not carry, and may refuse them. An empty hook changes nothing.
 * - DefaultAccountState: refused when Frozen: every new recipient account starts frozen and the
 *   transfer into it fails.
 * - NonTransferable: refused, no transfer can succeed.
 * - PausableConfig: refused while paused; transfers fail until the authority resumes.
 * - InterestBearingConfig, ScaledUiAmountConfig: refused. Base units move exactly, but wallets
 *   show them scaled by a rate or multiplier, so "amount:1000" would not be 1000 to recipients.
 * - ConfidentialTransferMint, ConfidentialTransferFeeConfig: allowed. They govern encrypted
 *   balances; public TransferChecked transfers (ours) and their fees are unaffected (the public
 *   fee is TransferFeeConfig's, checked above).
 * - PermanentDelegate: allowed. Payment is delivered like any other; the delegate's power to move
 *   recipients' tokens later is a property of the token the operator chose, like a freeze authority.
 * - MintCloseAuthority, metadata and group pointers/data, PermissionedBurn: allowed, they do not
 *   touch transfers.
 * - Anything else (a newer extension than this code knows): refused, since it may change transfers.
 */
const ALLOWED = new Set<number>([
  ExtensionType.Uninitialized, // padding between entries
  ExtensionType.MintCloseAuthority,
  ExtensionType.ConfidentialTransferMint,
  16, // ConfidentialTransferFeeConfig: not in @solana/spl-token 0.4's enum
  ExtensionType.PermanentDelegate,
  ExtensionType.MetadataPointer,
  ExtensionType.TokenMetadata,
  ExtensionType.GroupPointer,
  ExtensionType.TokenGroup,
  ExtensionType.GroupMemberPointer,
  ExtensionType.TokenGroupMember,
  ExtensionType.PermissionedBurn,
]);

/** `reward`: "SOL" (any case) or a mint address. One getAccountInfo for a mint, none for SOL. */
export async function resolveRewardAsset(connection: Connection, reward: string): Promise<RewardAsset> {
  if (reward.trim().toUpperCase() === 'SOL') return { kind: 'sol', decimals: 9, symbol: 'SOL' };
  const trimmed = reward.trim();
  if (trimmed === NATIVE_MINT.toBase58() || trimmed === NATIVE_MINT_2022.toBase58()) {
    // Paying wrapped SOL leaves recipients with a token account to unwrap; native SOL is what they expect.
    throw new TributaryError('UNSUPPORTED_MINT', msg('err.reward.wrappedSol', { mint: trimmed }), {
      details: { mint: trimmed, reason: 'wrapped-sol' },
    });
  }

  const { address, program, programId, mint } = await readMint(connection, trimmed, 'reward');
  const extensions = program === 'spl-token-2022' ? readExtensions(address, mint) : [];
  for (const extension of extensions) refuseIfUnpayable(address, mint, extension);
  return {
    kind: 'spl',
    mint: address,
    program,
    programId: programId.toBase58(),
    decimals: mint.decimals,
    symbol: KNOWN_SYMBOLS[address] ?? shortAddress(address),
    tokenAccountSize: program === 'spl-token-2022' ? recipientAccountSize(extensions) : LEGACY_ACCOUNT_SIZE,
  };
}

function readExtensions(address: string, mint: Mint): ExtensionType[] {
  try {
    return getExtensionTypes(mint.tlvData);
  } catch (cause) {
    // A truncated TLV list: the program would not accept this mint either.
    throw unsupported(address, 'err.reward.unreadable', 'unreadable-extensions', {}, cause);
  }
}

function refuseIfUnpayable(address: string, mint: Mint, extension: ExtensionType): void {
  if (ALLOWED.has(extension)) return;
  switch (extension) {
    case ExtensionType.TransferFeeConfig: {
      const config = getTransferFeeConfig(mint);
      const bps = Math.max(config?.olderTransferFee.transferFeeBasisPoints ?? 0, config?.newerTransferFee.transferFeeBasisPoints ?? 0);
      if (bps === 0) return;
      throw unsupported(address, 'err.reward.transferFee', 'transfer-fee', { percent: formatAmount(BigInt(bps), 2) });
    }
    case ExtensionType.TransferHook: {
      const hook = getTransferHook(mint);
      if (!hook || hook.programId.equals(PublicKey.default)) return;
      throw unsupported(address, 'err.reward.transferHook', 'transfer-hook', { program: hook.programId.toBase58() });
    }
    case ExtensionType.DefaultAccountState: {
      if (getDefaultAccountState(mint)?.state !== AccountState.Frozen) return;
      throw unsupported(address, 'err.reward.defaultFrozen', 'default-frozen');
    }
    case ExtensionType.PausableConfig: {
      if (!getPausableConfig(mint)?.paused) return;
      throw unsupported(address, 'err.reward.paused', 'paused');
    }
    case ExtensionType.NonTransferable:
      throw unsupported(address, 'err.reward.nonTransferable', 'non-transferable');
    case ExtensionType.InterestBearingConfig:
      throw unsupported(address, 'err.reward.interestBearing', 'interest-bearing');
    case ExtensionType.ScaledUiAmountConfig:
      throw unsupported(address, 'err.reward.scaledUiAmount', 'scaled-ui-amount');
    default:
      throw unsupported(address, 'err.reward.unknownExtension', 'unknown-extension', { extension: ExtensionType[extension] ?? `type ${extension}` });
  }
}

/**
 * Bytes of a recipient's associated token account, for its rent: the account extensions the mint
 * requires plus ImmutableOwner, which the associated-token program always adds on Token-2022.
 */
function recipientAccountSize(mintExtensions: ExtensionType[]): number {
  const accountExtensions = mintExtensions.map(getAccountTypeOfMintType).filter((t) => t !== ExtensionType.Uninitialized);
  return getAccountLen([...accountExtensions, ExtensionType.ImmutableOwner]);
}

function unsupported(address: string, key: MessageKey, reason: string, params: Record<string, string> = {}, cause?: unknown): TributaryError {
  return new TributaryError('UNSUPPORTED_MINT', msg(key, { mint: address, ...params }), {
    details: { mint: address, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
