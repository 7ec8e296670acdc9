/** Addresses typed by people: validated once, here, with a message that names the bad one. */
import { msg, type Message } from '../i18n/message.js';
import { PublicKey } from '@solana/web3.js';
import { TributaryError } from './errors.js';

/** Base58 of 32 bytes is 32 to 44 characters. */
const MAX_ADDRESS_CHARS = 44;

/**
 * Parses a base58 address. `what` names the field in the message ("token", "reward", "exclude").
 * Text longer than an address is not echoed: 88 characters of base58 is a 64-byte secret key
 * pasted into the wrong field, and it must not be repeated in a channel.
 */
export function parseAddress(text: string, what: string): PublicKey {
  const raw = text.trim();
  const fail = (said: Message) => new TributaryError('INVALID_ADDRESS', said, { details: { what, length: raw.length } });
  if (raw === '') throw fail(msg('err.address.empty', { what }));
  if (raw.length > MAX_ADDRESS_CHARS) {
    throw fail(msg('err.address.tooLong', { what, length: raw.length }));
  }
  try {
    // The constructor accepts exactly 32 bytes of base58 and throws otherwise.
    return new PublicKey(raw);
  } catch {
    throw fail(msg('err.address.invalid', { what, text: raw }));
  }
}

/** "7xKX…gAsU": enough to recognise an address in a chat line, not to copy it. */
export function shortAddress(address: string): string {
  return address.length <= 9 ? address : `${address.slice(0, 4)}…${address.slice(-4)}`;
}
