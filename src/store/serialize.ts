import type { DeserializedData } from 'keyv';
import { StoreError } from './errors.js';

/*
 * Keyv's default serializer is JSON, which throws on bigint, the type of every amount here
 * (docs/invariants.md invariant 1), and turns bytes into a list of numbers. Values are still stored as JSON,
 * so rows stay readable in `sqlite3` and the expiry sweep can read `$.expires` in SQL, but three
 * kinds of string carry a tag:
 *   "#bigint:123"  a bigint
 *   "#bytes:AQID"  a Uint8Array (or Buffer), base64
 *   "##..."        a string that itself began with "#", with one "#" added
 * Maps and Sets are refused instead of being stored as {} (JSON's silent answer).
 */

const TAG = '#';
const BIGINT = '#bigint:';
const BYTES = '#bytes:';

function encode(this: unknown, key: string, value: unknown): unknown {
  // `value` has been through toJSON already (a Buffer arrives as { type, data }); the holder has the original.
  const original = (this as Record<string, unknown>)[key];
  if (typeof original === 'bigint') return `${BIGINT}${original.toString()}`;
  if (original instanceof Uint8Array) return `${BYTES}${Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64')}`;
  if (original instanceof Map || original instanceof Set) {
    throw new StoreError('STORE_UNSERIALIZABLE', `cannot store a ${original.constructor.name} (at "${key}"): convert it to an object or an array first`);
  }
  if (typeof value === 'string' && value.startsWith(TAG)) return `${TAG}${value}`;
  return value;
}

function decode(_key: string, value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith(TAG)) return value;
  if (value.startsWith(TAG + TAG)) return value.slice(1);
  if (value.startsWith(BIGINT)) return BigInt(value.slice(BIGINT.length));
  if (value.startsWith(BYTES)) return new Uint8Array(Buffer.from(value.slice(BYTES.length), 'base64'));
  return value;
}

/** Keyv `serialize`: `{ value, expires }` as JSON, with bigint and bytes tagged. */
export function serialize<Value>(data: DeserializedData<Value>): string {
  return JSON.stringify(data, encode);
}

/** Keyv `deserialize`: the inverse of serialize. Bytes come back as Uint8Array, Dates as ISO strings. */
export function deserialize<Value>(text: string): DeserializedData<Value> | undefined {
  return JSON.parse(text, decode) as DeserializedData<Value> | undefined;
}
