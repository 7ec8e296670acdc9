import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bs58 from 'bs58';
import {
  AccountState,
  AccountType,
  ExtensionType,
  MintLayout,
  NATIVE_MINT,
  PausableConfigLayout,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  TransferFeeConfigLayout,
  TransferHookLayout,
  createAssociatedTokenAccountIdempotentInstruction,
  getAssociatedTokenAddressSync,
  getTypeLen,
} from '@solana/spl-token';
import { Connection, Keypair, PublicKey, Transaction, sendAndConfirmTransaction } from '@solana/web3.js';
import { resolveRewardAsset } from '../src/engine/reward-asset.js';
import type { RewardAsset } from '../src/engine/types.js';
import { startLocalnet, type Localnet } from '../src/localnet/index.js';
import { rejection } from './helpers/rejection.js';

let net: Localnet;
let connection: Connection;
let distributor: Keypair;

beforeAll(async () => {
  net = await startLocalnet({ holders: 10, seed: 3, slotMs: 100 });
  connection = new Connection(net.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  distributor = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(net.scenario.keypairPath, 'utf8')) as number[]));
});
afterAll(async () => net?.close());

const short = (address: string) => `${address.slice(0, 4)}…${address.slice(-4)}`;

/**
 * Writes a Token-2022 mint with the given extensions straight into the chain, laid out as the
 * program does: the 82-byte base, padding to 165, the account type, then type-length-value entries.
 */
function writeMint2022(extensions: [ExtensionType | number, Uint8Array][], address = Keypair.generate().publicKey.toBase58()): string {
  const base = Buffer.alloc(166);
  MintLayout.encode(
    {
      mintAuthorityOption: 1,
      mintAuthority: distributor.publicKey,
      supply: 0n,
      decimals: 6,
      isInitialized: true,
      freezeAuthorityOption: 0,
      freezeAuthority: PublicKey.default,
    },
    base,
  );
  base[165] = AccountType.Mint;
  const entries = extensions.map(([type, value]) => {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(type, 0);
    header.writeUInt16LE(value.length, 2);
    return Buffer.concat([header, value]);
  });
  const data = Buffer.concat([base, ...entries]);
  net.chain.setAccount({ address, data, lamports: net.chain.minimumBalanceForRentExemption(data.length), owner: TOKEN_2022_PROGRAM_ID.toBase58() });
  return address;
}

function transferFee(olderBps: number, newerBps: number): Uint8Array {
  const data = Buffer.alloc(TransferFeeConfigLayout.span);
  TransferFeeConfigLayout.encode(
    {
      transferFeeConfigAuthority: distributor.publicKey,
      withdrawWithheldAuthority: distributor.publicKey,
      withheldAmount: 0n,
      olderTransferFee: { epoch: 0n, maximumFee: 1_000_000n, transferFeeBasisPoints: olderBps },
      newerTransferFee: { epoch: 5n, maximumFee: 1_000_000n, transferFeeBasisPoints: newerBps },
    },
    data,
  );
  return data;
}

function transferHook(programId: PublicKey): Uint8Array {
  const data = Buffer.alloc(TransferHookLayout.span);
  TransferHookLayout.encode({ authority: distributor.publicKey, programId }, data);
  return data;
}

function pausable(paused: boolean): Uint8Array {
  const data = Buffer.alloc(PausableConfigLayout.span);
  PausableConfigLayout.encode({ authority: distributor.publicKey, paused }, data);
  return data;
}

/** An extension's bytes when its content does not matter to the test, only its presence. */
const zeros = (type: ExtensionType): [ExtensionType, Uint8Array] => [type, new Uint8Array(getTypeLen(type))];

/** Creates the recipient's associated token account through the real programs and returns its size. */
async function createdAccountSize(asset: RewardAsset): Promise<number> {
  if (asset.kind !== 'spl') throw new Error('not an SPL asset');
  const mint = new PublicKey(asset.mint);
  const programId = new PublicKey(asset.programId);
  const owner = Keypair.generate().publicKey;
  const ata = getAssociatedTokenAddressSync(mint, owner, false, programId);
  const tx = new Transaction().add(createAssociatedTokenAccountIdempotentInstruction(distributor.publicKey, ata, owner, mint, programId));
  await sendAndConfirmTransaction(connection, tx, [distributor]);
  return (await connection.getAccountInfo(ata))?.data.length ?? -1;
}

describe('resolveRewardAsset', () => {
  it('resolves "SOL" in any case to native SOL with 9 decimals, without asking the chain', async () => {
    net.server.resetStats();
    for (const text of ['SOL', 'sol', ' Sol ']) {
      expect(await resolveRewardAsset(connection, text)).toEqual({ kind: 'sol', decimals: 9, symbol: 'SOL' });
    }
    expect(net.server.stats().requestsByMethod).toEqual({});
  });

  it('resolves a legacy mint with its decimals, program and a short symbol', async () => {
    const mint = net.scenario.rewardMint;
    const asset = await resolveRewardAsset(connection, mint);
    expect(asset).toEqual({
      kind: 'spl',
      mint,
      program: 'spl-token',
      programId: TOKEN_PROGRAM_ID.toBase58(),
      decimals: net.scenario.rewardDecimals,
      symbol: short(mint),
      tokenAccountSize: 165,
    });
    expect(await createdAccountSize(asset)).toBe(165);
  });

  it('resolves a Token-2022 mint without extensions, sized for the accounts the program really creates', async () => {
    const asset = await resolveRewardAsset(connection, net.scenario.rewardMint2022);
    expect(asset).toMatchObject({ kind: 'spl', program: 'spl-token-2022', programId: TOKEN_2022_PROGRAM_ID.toBase58(), decimals: 6 });
    expect(asset.kind === 'spl' && asset.tokenAccountSize).toBe(await createdAccountSize(asset));
  });

  it('refuses a mint with a transfer fee, saying recipients would receive less than planned', async () => {
    const mint = net.scenario.transferFeeMint;
    const e = await rejection(resolveRewardAsset(connection, mint));
    expect(e.code).toBe('UNSUPPORTED_MINT');
    expect(e.userMessage).toBe(`reward mint ${mint} has a transfer fee of 1%: recipients would receive less than planned`);
  });

  it('refuses a transfer fee that is scheduled to start, not only one in force', async () => {
    const e = await rejection(resolveRewardAsset(connection, writeMint2022([[ExtensionType.TransferFeeConfig, transferFee(0, 50)]])));
    expect(e.userMessage).toContain('transfer fee of 0.5%');
  });

  it('accepts a transfer-fee extension whose fee is zero now and scheduled, sized for the larger recipient accounts', async () => {
    const asset = await resolveRewardAsset(connection, writeMint2022([[ExtensionType.TransferFeeConfig, transferFee(0, 0)]]));
    expect(asset.kind).toBe('spl');
    expect(asset.kind === 'spl' && asset.tokenAccountSize).toBeGreaterThan(170);
    expect(asset.kind === 'spl' && asset.tokenAccountSize).toBe(await createdAccountSize(asset));
  });

  it('refuses a mint whose new token accounts start frozen', async () => {
    const e = await rejection(resolveRewardAsset(connection, net.scenario.defaultFrozenMint));
    expect(e.code).toBe('UNSUPPORTED_MINT');
    expect(e.userMessage).toContain('frozen');
  });

  it('accepts a mint whose new token accounts start initialised', async () => {
    const mint = writeMint2022([[ExtensionType.DefaultAccountState, Uint8Array.of(AccountState.Initialized)]]);
    expect((await resolveRewardAsset(connection, mint)).kind).toBe('spl');
  });

  it('refuses a mint whose transfer hook names a program, and accepts one whose hook is empty', async () => {
    const hookProgram = Keypair.generate().publicKey;
    const e = await rejection(resolveRewardAsset(connection, writeMint2022([[ExtensionType.TransferHook, transferHook(hookProgram)]])));
    expect(e.code).toBe('UNSUPPORTED_MINT');
    expect(e.userMessage).toContain(`transfer hook (program ${hookProgram.toBase58()})`);
    const empty = writeMint2022([[ExtensionType.TransferHook, transferHook(PublicKey.default)]]);
    expect((await resolveRewardAsset(connection, empty)).kind).toBe('spl');
  });

  it('refuses a paused mint and accepts it when not paused', async () => {
    const e = await rejection(resolveRewardAsset(connection, writeMint2022([[ExtensionType.PausableConfig, pausable(true)]])));
    expect(e.userMessage).toContain('is paused');
    expect((await resolveRewardAsset(connection, writeMint2022([[ExtensionType.PausableConfig, pausable(false)]]))).kind).toBe('spl');
  });

  it('refuses non-transferable, interest-bearing, display-scaled and unknown-extension mints, each with its reason', async () => {
    const cases: [[ExtensionType | number, Uint8Array], string][] = [
      [zeros(ExtensionType.NonTransferable), 'is non-transferable'],
      [zeros(ExtensionType.InterestBearingConfig), 'bears interest'],
      [zeros(ExtensionType.ScaledUiAmountConfig), 'display multiplier'],
      [[99, new Uint8Array(8)], 'does not know (type 99)'],
    ];
    for (const [extension, reason] of cases) {
      const e = await rejection(resolveRewardAsset(connection, writeMint2022([extension])));
      expect(e.code).toBe('UNSUPPORTED_MINT');
      expect(e.userMessage).toContain(reason);
    }
  });

  it('accepts permanent-delegate, confidential-transfer, close-authority and metadata mints', async () => {
    const mint = writeMint2022([
      zeros(ExtensionType.PermanentDelegate),
      zeros(ExtensionType.ConfidentialTransferMint),
      zeros(ExtensionType.MintCloseAuthority),
      zeros(ExtensionType.MetadataPointer),
    ]);
    expect(await resolveRewardAsset(connection, mint)).toMatchObject({ kind: 'spl', mint, program: 'spl-token-2022' });
  });

  it('names a well-known mint by its symbol instead of a short address', async () => {
    const usdc = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
    const data = Buffer.alloc(MintLayout.span);
    MintLayout.encode(
      { mintAuthorityOption: 0, mintAuthority: PublicKey.default, supply: 0n, decimals: 6, isInitialized: true, freezeAuthorityOption: 0, freezeAuthority: PublicKey.default },
      data,
    );
    net.chain.setAccount({ address: usdc, data, lamports: net.chain.minimumBalanceForRentExemption(data.length), owner: TOKEN_PROGRAM_ID.toBase58() });
    expect(await resolveRewardAsset(connection, usdc)).toMatchObject({ symbol: 'USDC', decimals: 6 });
  });

  it('refuses wrapped SOL and says to pay SOL instead', async () => {
    const e = await rejection(resolveRewardAsset(connection, NATIVE_MINT.toBase58()));
    expect(e.code).toBe('UNSUPPORTED_MINT');
    expect(e.userMessage).toContain('use reward:SOL');
  });

  it('refuses a wallet, a token account and a malformed address, naming each', async () => {
    const wallet = await rejection(resolveRewardAsset(connection, net.scenario.distributor));
    expect(wallet.code).toBe('NOT_A_MINT');
    expect(wallet.userMessage).toBe(`reward ${net.scenario.distributor} is a wallet, not a token mint`);

    const account = getAssociatedTokenAddressSync(new PublicKey(net.scenario.rewardMint), distributor.publicKey).toBase58();
    const tokenAccount = await rejection(resolveRewardAsset(connection, account));
    expect(tokenAccount.code).toBe('NOT_A_MINT');
    expect(tokenAccount.userMessage).toContain(`${account} is a token account`);

    const malformed = await rejection(resolveRewardAsset(connection, 'USDC'));
    expect(malformed.code).toBe('INVALID_ADDRESS');
    expect(malformed.userMessage).toContain('"USDC"');
  });

  it('does not repeat a pasted secret key in its message', async () => {
    const secret = bs58.encode(Keypair.generate().secretKey);
    const e = await rejection(resolveRewardAsset(connection, secret));
    expect(e.code).toBe('INVALID_ADDRESS');
    expect(e.userMessage).not.toContain(secret.slice(0, 10));
  });
});
