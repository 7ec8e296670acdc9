/**
 * Text that looks like a private key someone pasted by mistake: where a person types values that
 * are kept (the audit log), such a value is replaced, never stored. The shapes are those wallets and
 * the Solana CLI export:
 *  - a 64-byte secret key in base58 (Phantom's "export private key"), hex or base64;
 *  - a keypair file's JSON array of 64 numbers, a 32-number seed, or 32 or more of them in a run;
 *  - a 32-byte seed in hex or base64;
 *  - a seed phrase of 12 to 24 words.
 * A 32-byte seed in base58 cannot be told from an address (both are 32 bytes of base58) and is not
 * matched: where an address is expected, it is treated as the address it was used as.
 */
import bs58 from 'bs58';

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
const HEX = /^(?:0x)?[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SEED_PHRASE = /^[a-z]{3,8}(?:\s+[a-z]{3,8}){11,23}$/;

/** What a refused value is stored as. */
export const KEY_MATERIAL_MARKER = '(not stored: looked like key material)';

// 32 or more small numbers in a comma-separated run: a keypair file's bytes, whole or in part.
const BYTE_RUN = /(?:\d{1,3}\s*,\s*){31,}\d{1,3}/;

/**
 * True when the text is, or contains, something shaped like a private key or seed: the whole value,
 * any word of it (`exclude:a,<key>,b`, a key followed by a megabyte of padding), or a run of bytes.
 */
export function looksLikeKeyMaterial(text: string): boolean {
  const value = text.trim();
  if (value === '') return false;
  if (SEED_PHRASE.test(value)) return true;
  if (BYTE_RUN.test(value)) return true;
  return value.split(/[^A-Za-z0-9+/=]+/).some((word) => isKeyWord(word));
}

function isKeyWord(word: string): boolean {
  if (word.length < 43) return false;
  if (HEX.test(word)) {
    const digits = word.replace(/^0x/, '').length;
    return digits === 64 || digits === 128;
  }
  if (BASE58.test(word) && word.length >= 80 && word.length <= 90) {
    try {
      return bs58.decode(word).length === 64;
    } catch {
      return false;
    }
  }
  if (BASE64.test(word) && /[+/=]/.test(word)) {
    const bytes = Buffer.from(word, 'base64').length;
    return bytes === 32 || bytes === 64;
  }
  return false;
}
