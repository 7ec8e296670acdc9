/**
 * Associated token addresses from raw bytes: the same address as spl-token's
 * `getAssociatedTokenAddressSync(mint, owner, true, programId)`, about six times faster (Node's
 * SHA-256 and the Jacobi curve check of curve.ts instead of web3.js's PublicKey objects and full
 * point decompression). A preview of a million recipients derives a million of them.
 *
 * findProgramAddress: for bump 255, 254, …, the first SHA-256(seeds ‖ bump ‖ program id ‖
 * "ProgramDerivedAddress") that is NOT a point on ed25519.
 */
import { createHash } from 'node:crypto';
import { ASSOCIATED_TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { isOnCurve } from './curve.js';

const ATA_PROGRAM = ASSOCIATED_TOKEN_PROGRAM_ID.toBytes();
const PDA_MARKER = Buffer.from('ProgramDerivedAddress');

/** The associated token account of `owner` (32 bytes) for `mint` under `tokenProgram`, 32 bytes. */
export function associatedTokenAddress(mint: Uint8Array, owner: Uint8Array, tokenProgram: Uint8Array): Uint8Array {
  for (let bump = 255; bump >= 0; bump--) {
    const hash = createHash('sha256').update(owner).update(tokenProgram).update(mint).update(Uint8Array.of(bump)).update(ATA_PROGRAM).update(PDA_MARKER).digest();
    if (!isOnCurve(hash)) return hash;
  }
  throw new Error('no bump gives an off-curve associated token address');
}
