import { readFileSync, statSync } from 'node:fs';
import { Keypair } from '@solana/web3.js';
import { msg, say, type Message } from '../i18n/index.js';

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

/** What the permissions of a keypair file say about who else can read the key. */
export interface KeypairFileAccess {
  path: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** The group or others may read or write it (mode & 0o077): anyone with an account here may take the key. */
  open: boolean;
}

/**
 * The keypair file's permission bits; null where they mean nothing (the file cannot be read, which
 * loadKeypair reports, or Windows, where modes are not POSIX permissions).
 */
export function keypairFileAccess(path: string): KeypairFileAccess | null {
  if (process.platform === 'win32') return null;
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return null;
  }
  return { path, mode, open: (mode & 0o077) !== 0 };
}

/** What is wrong with an open keypair file, with the fix: names the path and mode, never the content. */
export function openKeypairFileMessage(access: KeypairFileAccess): Message {
  return msg('keypair.open', { path: access.path, mode: access.mode.toString(8).padStart(4, '0') });
}

/** The same in English, for the log and the CLI's refusal. */
export function openKeypairFileWarning(access: KeypairFileAccess): string {
  return say('en', openKeypairFileMessage(access));
}

/**
 * The start-up check of the distributor's keypair file, as ssh checks a private key: a file that
 * its group or others can read is warned about (the returned sentence is for the log and the
 * banner), and refused on mainnet-beta unless `allowInsecure` (config `allowInsecureKeypairFile`).
 * Throws with the fix in the message when refused.
 */
export function checkKeypairFile(path: string, opts: { network: string; allowInsecure: boolean }): string | null {
  const access = keypairFileAccess(path);
  if (access === null || !access.open) return null;
  const warning = openKeypairFileWarning(access);
  if (opts.network === 'mainnet-beta' && !opts.allowInsecure) {
    throw new Error(`${warning}. Refusing to start on mainnet-beta with it; to start anyway, set "allowInsecureKeypairFile": true in the config file`);
  }
  return warning;
}
