export type StoreErrorCode =
  /** The SQLite file or the Redis server could not be opened. */
  | 'STORE_OPEN_FAILED'
  /** A namespace name outside [a-z0-9-]. */
  | 'STORE_BAD_NAMESPACE'
  /** A value the serializer refuses (Map, Set). */
  | 'STORE_UNSERIALIZABLE'
  /** A Keyv that was not opened by openStore, so it has no iterator. */
  | 'STORE_NOT_ITERABLE'
  /** The store was used after close(). */
  | 'STORE_CLOSED';

/** The store cannot do what was asked. Messages name the file or the masked Redis host, never credentials. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`store: ${message}`, options);
  }
}

/** Why a store cannot write because it is full: a code the chat layer words (catalogue `storeFull.<code>`). */
export type StoreFullReason = 'SQLITE_FULL' | 'ENOSPC' | 'EDQUOT' | 'REDIS_OOM';

/**
 * Why the store cannot write because it is full, if that is what `err` (or a message carrying one)
 * says: SQLite's SQLITE_FULL, the OS's ENOSPC / EDQUOT, Redis's OOM under maxmemory-policy
 * noeviction. Null for anything else.
 */
export function storeFullReason(err: unknown): StoreFullReason | null {
  const texts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e === 'string') {
      texts.push(e);
      break;
    }
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') texts.push(code);
    if (typeof message === 'string') texts.push(message);
    e = cause;
  }
  const all = texts.join(' ');
  if (/SQLITE_FULL|database or disk is full/.test(all)) return 'SQLITE_FULL';
  if (/ENOSPC/.test(all)) return 'ENOSPC';
  if (/EDQUOT/.test(all)) return 'EDQUOT';
  if (/\bOOM command not allowed/.test(all)) return 'REDIS_OOM';
  return null;
}
