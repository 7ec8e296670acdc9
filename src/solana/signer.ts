import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Keypair } from '@solana/web3.js';

/** DER prefix of a PKCS#8 ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an SPKI ed25519 public key; the 32-byte key follows. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Signs with Node's native ed25519 instead of web3.js's pure-JS one: the same signature (ed25519 is
 * deterministic), about fifty times faster, which is most of what building a transaction costs.
 */
export function nativeSigner(keypair: Keypair): (message: Uint8Array) => Buffer {
  const key: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(keypair.secretKey.subarray(0, 32))]),
    format: 'der',
    type: 'pkcs8',
  });
  return (message) => sign(null, message, key);
}

/** Whether `signature` (64 bytes) is `publicKey`'s (32 bytes) ed25519 signature of `message`, by Node's native ed25519. */
export function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  } catch {
    // A point that is not on the curve is no key at all.
    return false;
  }
}
