import { readFileSync } from 'node:fs';
import { Keypair } from '@solana/web3.js';

/**
 * Reads a keypair file in the Solana CLI's format (a JSON array of 64 bytes). Errors name the path,
 * never the content: the content is the secret.
 */
export function loadKeypair(path: string): Keypair {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`keypair file ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let bytes: unknown;
  try {
    bytes = JSON.parse(text);
  } catch {
    throw new Error(`keypair file ${path} is not JSON: expected an array of 64 numbers, as \`solana-keygen\` writes`);
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new Error(`keypair file ${path} is not an array of 64 bytes, as \`solana-keygen\` writes`);
  }
  try {
    return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
  } catch {
    throw new Error(`keypair file ${path} does not hold a valid ed25519 keypair`);
  }
}
