/**
 * Work under a key runs one at a time, in the order it was asked for; different keys run side by
 * side. A key's lock exists only while work under it runs or waits. async-mutex takes a free lock
 * at the call (not a tick later) and hands it to waiters first come, first served, so callers are
 * served in call order.
 */
import { Mutex } from 'async-mutex';

export class KeyedMutex {
  private readonly locks = new Map<string, Mutex>();

  /** Runs `work` once every earlier `run` of `key` has settled (fulfilled or not); answers as `work` does. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(key);
    if (!lock) {
      lock = new Mutex();
      this.locks.set(key, lock);
    }
    try {
      return await lock.runExclusive(work);
    } finally {
      // Locked again here means a waiter took it over; nobody can hold a lock that is not in the map.
      if (!lock.isLocked() && this.locks.get(key) === lock) this.locks.delete(key);
    }
  }

  /** Keys with work running or waiting. */
  get size(): number {
    return this.locks.size;
  }

  /** Resolves once no work runs or waits under any key, including work asked for while waiting. */
  async idle(): Promise<void> {
    while (this.locks.size > 0) await Promise.all([...this.locks.values()].map((lock) => lock.waitForUnlock()));
  }
}
