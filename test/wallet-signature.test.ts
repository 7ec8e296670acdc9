import { Keypair } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { nativeSigner, verifyEd25519 } from '../src/solana/signer.js';

describe('ed25519 verification', () => {
  it('accepts the wallet’s own signature and refuses another message, another key or a malformed one', () => {
    const wallet = Keypair.generate();
    const message = new TextEncoder().encode('Tributary wallet link | test:1 | nonce 00');
    const signature = nativeSigner(wallet)(message);
    const key = wallet.publicKey.toBytes();
    expect(verifyEd25519(message, signature, key)).toBe(true);
    expect(verifyEd25519(new TextEncoder().encode('another message'), signature, key)).toBe(false);
    expect(verifyEd25519(message, signature, Keypair.generate().publicKey.toBytes())).toBe(false);
    expect(verifyEd25519(message, signature.subarray(0, 63), key)).toBe(false);
    expect(verifyEd25519(message, signature, new Uint8Array(32).fill(0xff))).toBe(false);
  });
});
