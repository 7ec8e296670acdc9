import type { Keyv } from 'keyv';
import { StoreError } from './errors.js';

/**
 * Every live [key, value] of one namespace, keys without their prefix, in key order on SQLite.
 * Expired entries are skipped (and deleted on the way). Keyv only offers iteration for some
 * adapters; every Store namespace has it.
 */
export async function* entries<Value = unknown>(keyv: Keyv): AsyncGenerator<[string, Value], void> {
  if (keyv.iterator === undefined) {
    throw new StoreError('STORE_NOT_ITERABLE', `namespace "${String(keyv.namespace)}" cannot be iterated: open it with openStore()`);
  }
  for await (const [key, value] of keyv.iterator(keyv.namespace) as AsyncGenerator<[string, Value], void>) {
    yield [key, value];
  }
}

/** The live keys of one namespace, without their prefix. */
export async function listKeys(keyv: Keyv): Promise<string[]> {
  const keys: string[] = [];
  for await (const [key] of entries(keyv)) keys.push(key);
  return keys;
}
