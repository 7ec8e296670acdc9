import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  AccountState,
  MintLayout,
  createInitializeDefaultAccountStateInstruction,
  createInitializeMint2Instruction,
  createInitializeTransferFeeConfigInstruction,
  getAssociatedTokenAddressSync,
  getMintLen,
} from '@solana/spl-token';
import { Keypair, PublicKey, SystemProgram, Transaction } from '@solana/web3.js';
import type { LocalChain } from './chain.js';
import { seededRandom } from './random.js';
import { writeTokenAccount as writeAccount } from './token-accounts.js';

const LAMPORTS_PER_SOL = 1_000_000_000n;

export interface SeedOptions {
  /** Wallets holding the base token. */
  holders: number;
  /** Everything (owners, balances) follows from the seed. */
  seed: number;
  /** Where the distributor's keypair file is written. */
  keypairDir: string;
  baseDecimals?: number;
  rewardDecimals?: number;
  distributorSol?: bigint;
  /** Reward tokens (whole units) minted to the distributor. */
  rewardSupply?: bigint;
  /**
   * Every base holder has an empty associated account of the reward token already, as after an
   * earlier distribution: a repeat distribution pays existing accounts. Default false.
   */
  rewardAccounts?: boolean;
}

/** One wallet of the seeded community, as a correct snapshot should report it. */
export interface SeededHolder {
  owner: string;
  /** Sum over its token accounts, base units. */
  amount: bigint;
  tokenAccounts: string[];
  offCurve: boolean;
}

export interface Scenario {
  distributor: string;
  keypairPath: string;
  /** Legacy-program token whose holders are rewarded. */
  baseMint: string;
  baseDecimals: number;
  /** Holders with a balance above zero (zero-balance accounts exist on chain but are not listed). */
  holders: SeededHolder[];
  /** Token accounts of the base mint with a zero balance. */
  zeroBalanceAccounts: string[];
  /** A Token-2022 base token with a few holders whose accounts carry an extension (170 bytes). */
  baseMint2022: string;
  holders2022: SeededHolder[];
  zeroBalanceAccounts2022: string[];
  rewardMint: string;
  rewardDecimals: number;
  rewardMint2022: string;
  /** Token-2022 mints that cannot be paid reliably and must be refused. */
  transferFeeMint: string;
  defaultFrozenMint: string;
  seedSlot: number;
  /** A token seeded in bulk (LocalnetOptions.bulkHolders), when asked for. */
  bulkMint?: string;
}

/**
 * Writes a community straight into accounts (fast enough for 10,000 holders), then creates the
 * Token-2022 mints with extensions through real transactions so their layouts are the programs' own.
 */
export function seedScenario(chain: LocalChain, opts: SeedOptions): Scenario {
  const random = seededRandom(opts.seed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const baseDecimals = opts.baseDecimals ?? 6;
  const rewardDecimals = opts.rewardDecimals ?? 6;
  const mintRent = chain.minimumBalanceForRentExemption(MintLayout.span);

  const distributor = Keypair.fromSeed(bytes(32));
  const mintAuthority = Keypair.fromSeed(bytes(32)).publicKey;
  chain.airdrop(distributor.publicKey.toBase58(), opts.distributorSol ?? 1_000n * LAMPORTS_PER_SOL);
  mkdirSync(opts.keypairDir, { recursive: true });
  const keypairPath = join(opts.keypairDir, 'distributor.json');
  writeFileSync(keypairPath, JSON.stringify(Array.from(distributor.secretKey)), { mode: 0o600 });
  chmodSync(keypairPath, 0o600);

  const writeMint = (program: PublicKey, decimals: number, supply: bigint, authority: PublicKey, mint = Keypair.fromSeed(bytes(32)).publicKey): string => {
    const data = Buffer.alloc(MintLayout.span);
    MintLayout.encode(
      { mintAuthorityOption: 1, mintAuthority: authority, supply, decimals, isInitialized: true, freezeAuthorityOption: 0, freezeAuthority: PublicKey.default },
      data,
    );
    chain.setAccount({ address: mint.toBase58(), data, lamports: mintRent, owner: program.toBase58() });
    return mint.toBase58();
  };
  const writeTokenAccount = (address: PublicKey, program: PublicKey, mint: PublicKey | string, owner: PublicKey, amount: bigint): void =>
    writeAccount(chain, { address, program, mint, owner, amount });

  const community = (program: PublicKey, count: number, decimals: number) => {
    const mint = Keypair.fromSeed(bytes(32)).publicKey;
    const offCurveProgram = Keypair.fromSeed(bytes(32)).publicKey;
    const holders: SeededHolder[] = [];
    const zero: string[] = [];
    let supply = 0n;
    for (let i = 0; i < count; i++) {
      const offCurve = random() < 0.02;
      const owner = offCurve ? PublicKey.findProgramAddressSync([Buffer.from('vault'), bytes(8)], offCurveProgram)[0] : Keypair.fromSeed(bytes(32)).publicKey;
      // Log-uniform balances between 1 and 1,000,000 whole tokens, plus a fractional part.
      const whole = BigInt(Math.floor(10 ** (random() * 6)));
      const amount = whole * 10n ** BigInt(decimals) + BigInt(Math.floor(random() * 10 ** Math.min(decimals, 9)));
      const holder: SeededHolder = { owner: owner.toBase58(), amount, tokenAccounts: [], offCurve };
      const ata = getAssociatedTokenAddressSync(mint, owner, true, program);
      if (random() < 0.05) {
        // A second, non-associated account: the snapshot must merge it into the same wallet.
        const second = Keypair.fromSeed(bytes(32)).publicKey;
        const split = amount / 3n;
        writeTokenAccount(ata, program, mint, owner, amount - split);
        writeTokenAccount(second, program, mint, owner, split);
        holder.tokenAccounts.push(ata.toBase58(), second.toBase58());
      } else {
        writeTokenAccount(ata, program, mint, owner, amount);
        holder.tokenAccounts.push(ata.toBase58());
      }
      holders.push(holder);
      supply += amount;
      if (random() < 0.03) {
        // An emptied account of someone else: on chain, but not a holder.
        const empty = Keypair.fromSeed(bytes(32)).publicKey;
        writeTokenAccount(empty, program, mint, Keypair.fromSeed(bytes(32)).publicKey, 0n);
        zero.push(empty.toBase58());
      }
    }
    writeMint(program, decimals, supply, mintAuthority, mint);
    return { mint: mint.toBase58(), holders, zero };
  };

  const base = community(TOKEN_PROGRAM_ID, opts.holders, baseDecimals);
  const base2022 = community(TOKEN_2022_PROGRAM_ID, Math.min(20, Math.max(3, opts.holders)), baseDecimals);

  const rewardSupply = (opts.rewardSupply ?? 1_000_000_000n) * 10n ** BigInt(rewardDecimals);
  const rewardMint = writeMint(TOKEN_PROGRAM_ID, rewardDecimals, rewardSupply, distributor.publicKey);
  writeTokenAccount(
    getAssociatedTokenAddressSync(new PublicKey(rewardMint), distributor.publicKey, false, TOKEN_PROGRAM_ID),
    TOKEN_PROGRAM_ID,
    rewardMint,
    distributor.publicKey,
    rewardSupply,
  );
  if (opts.rewardAccounts) {
    for (const h of base.holders) {
      const owner = new PublicKey(h.owner);
      writeTokenAccount(getAssociatedTokenAddressSync(new PublicKey(rewardMint), owner, true, TOKEN_PROGRAM_ID), TOKEN_PROGRAM_ID, rewardMint, owner, 0n);
    }
  }
  const rewardMint2022 = writeMint(TOKEN_2022_PROGRAM_ID, rewardDecimals, rewardSupply, distributor.publicKey);
  writeTokenAccount(
    getAssociatedTokenAddressSync(new PublicKey(rewardMint2022), distributor.publicKey, false, TOKEN_2022_PROGRAM_ID),
    TOKEN_2022_PROGRAM_ID,
    rewardMint2022,
    distributor.publicKey,
    rewardSupply,
  );

  const transferFeeMint = createExtensionMint(chain, distributor, bytes(32), rewardDecimals, ExtensionType.TransferFeeConfig, (mint) =>
    createInitializeTransferFeeConfigInstruction(mint, distributor.publicKey, distributor.publicKey, 100, 1_000_000n, TOKEN_2022_PROGRAM_ID),
  );
  const defaultFrozenMint = createExtensionMint(chain, distributor, bytes(32), rewardDecimals, ExtensionType.DefaultAccountState, (mint) =>
    createInitializeDefaultAccountStateInstruction(mint, AccountState.Frozen, TOKEN_2022_PROGRAM_ID),
  );

  return {
    distributor: distributor.publicKey.toBase58(),
    keypairPath,
    baseMint: base.mint,
    baseDecimals,
    holders: base.holders,
    zeroBalanceAccounts: base.zero,
    baseMint2022: base2022.mint,
    holders2022: base2022.holders,
    zeroBalanceAccounts2022: base2022.zero,
    rewardMint,
    rewardDecimals,
    rewardMint2022,
    transferFeeMint,
    defaultFrozenMint,
    seedSlot: chain.slot,
  };
}

function createExtensionMint(
  chain: LocalChain,
  payer: Keypair,
  seed: Uint8Array,
  decimals: number,
  extension: ExtensionType,
  initExtension: (mint: PublicKey) => import('@solana/web3.js').TransactionInstruction,
): string {
  const mint = Keypair.fromSeed(seed);
  const space = getMintLen([extension]);
  const tx = new Transaction({ feePayer: payer.publicKey, ...blockhashOf(chain) }).add(
    SystemProgram.createAccount({
      fromPubkey: payer.publicKey,
      newAccountPubkey: mint.publicKey,
      lamports: Number(chain.minimumBalanceForRentExemption(space)),
      space,
      programId: TOKEN_2022_PROGRAM_ID,
    }),
    initExtension(mint.publicKey),
    createInitializeMint2Instruction(mint.publicKey, decimals, payer.publicKey, payer.publicKey, TOKEN_2022_PROGRAM_ID),
  );
  tx.sign(payer, mint);
  const outcome = chain.send(tx.serialize(), { rejectExpired: true, execute: true });
  if (outcome.err) throw new Error(`seeding ${ExtensionType[extension]} mint failed: ${JSON.stringify(outcome.err)}\n${outcome.logs.join('\n')}`);
  return mint.publicKey.toBase58();
}

function blockhashOf(chain: LocalChain): { blockhash: string; lastValidBlockHeight: number } {
  return chain.latestBlockhash();
}
