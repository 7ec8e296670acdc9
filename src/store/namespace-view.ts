import type { KeyvStoreAdapter, StoredData } from 'keyv';

/**
 * One namespace's window onto a connection that several namespaces share.
 *
 * Why not hand the shared adapter to every Keyv: Keyv writes its namespace onto the adapter
 * (`store.namespace = ...`), and the adapter's clear() and iterator read it back, so the last Keyv
 * created would decide what `ns('ledger').clear()` deletes. And Keyv.disconnect() on any one
 * namespace would close the connection under all the others. The view keeps its own namespace,
 * takes clear and iteration from the backend for exactly its prefix, and leaves closing to the Store.
 *
 * `has` is deliberately absent: the SQLite adapter's has() ignores expiry, while Keyv's fallback
 * (get, then check `expires`) does not.
 */
export interface NamespaceOps {
  /** Delete every key of this namespace, and only those. */
  clear(): Promise<void>;
  /** Raw [key, serialized value] pairs of this namespace; keys as stored (prefixed). */
  iterator(): AsyncGenerator<[string, unknown], void>;
}

type Listener = (...args: unknown[]) => void;

export class NamespaceView implements KeyvStoreAdapter {
  /** Written by Keyv; the view's own prefix is fixed at construction and this is not read. */
  namespace?: string | undefined;

  constructor(
    private readonly inner: KeyvStoreAdapter,
    private readonly ops: NamespaceOps,
  ) {}

  /** Keyv looks at `opts.dialect` to decide whether the adapter can be iterated. */
  get opts(): unknown {
    return this.inner.opts;
  }

  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.inner.get<Value>(key);
  }

  getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    if (this.inner.getMany) return this.inner.getMany<Value>(keys);
    return Promise.all(keys.map((key) => this.inner.get<Value>(key))) as Promise<Array<StoredData<Value | undefined>>>;
  }

  set(key: string, value: unknown, ttl?: number): unknown {
    return this.inner.set(key, value, ttl);
  }

  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (this.inner.deleteMany) return this.inner.deleteMany(keys);
    const results = await Promise.all(keys.map((key) => this.inner.delete(key)));
    return results.some(Boolean);
  }

  clear(): Promise<void> {
    return this.ops.clear();
  }

  // Keyv's adapter type wants this generic; the pairs are [prefixed key, serialized value].
  iterator<Value>(): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    return this.ops.iterator() as AsyncGenerator<Array<string | Awaited<Value> | undefined>, void>;
  }

  /** The Store closes the shared connection once, in Store.close(). */
  async disconnect(): Promise<void> {}

  /**
   * Keyv subscribes to adapter errors to re-emit them. Every namespace Keyv is created with
   * throwOnErrors, so a failure reaches its caller as a rejection; events add nothing.
   */
  on(_event: string, _listener: Listener): this {
    return this;
  }
}
