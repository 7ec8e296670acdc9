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
