import { randomBytes } from 'node:crypto';
import { getAssociatedTokenAddressSync, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { associatedTokenAddress } from '../src/engine/ata.js';

/** The address spl-token gives, owners off the curve allowed (as the engine pays pools and vaults). */
const reference = (mint: PublicKey, owner: PublicKey, program: PublicKey) => getAssociatedTokenAddressSync(mint, owner, true, program).toBase58();
const ours = (mint: PublicKey, owner: PublicKey, program: PublicKey) => new PublicKey(associatedTokenAddress(mint.toBytes(), owner.toBytes(), program.toBytes())).toBase58();

describe('associated token addresses (ata.ts)', () => {
  const mints = [Keypair.generate().publicKey, Keypair.generate().publicKey, new PublicKey('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v')];
  const programs = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID];

  it('equals spl-token on many random wallets, random bytes and off-curve owners, for both token programs', () => {
    const wallets = Array.from({ length: 300 }, () => Keypair.generate().publicKey);
    // Random 32 bytes: about half are curve points, half not.
    const raw = Array.from({ length: 300 }, () => new PublicKey(randomBytes(32)));
    // Program-derived addresses (pools, vaults, token accounts themselves) are never on the curve.
    const offCurve = wallets.slice(0, 200).map((w) => getAssociatedTokenAddressSync(mints[0] as PublicKey, w, false, TOKEN_PROGRAM_ID));
    expect(offCurve.every((o) => !PublicKey.isOnCurve(o.toBytes()))).toBe(true);
    const edge = [new PublicKey(new Uint8Array(32)), new PublicKey(new Uint8Array(32).fill(255)), PublicKey.default];
    let compared = 0;
    for (const program of programs) {
      for (const mint of mints) {
        for (const owner of [...wallets, ...raw, ...offCurve, ...edge]) {
          expect(ours(mint, owner, program)).toBe(reference(mint, owner, program));
          compared++;
        }
      }
    }
    expect(compared).toBe(2 * 3 * 803);
  });
});
