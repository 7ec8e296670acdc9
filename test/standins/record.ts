/**
 * An append-only list of what a stand-in saw, with a way to wait for an entry
 * that has not arrived yet (the bot under test answers asynchronously).
 */
export class Recorder<T> {
  /** Everything recorded so far, oldest first. Tests read and filter this directly. */
  readonly items: T[] = [];
  private readonly waiters = new Set<{ predicate: (item: T) => boolean; resolve: (item: T) => void }>();

  constructor(private readonly describe: (item: T) => string) {}

  record(item: T): void {
    this.items.push(item);
    for (const waiter of this.waiters) {
      if (waiter.predicate(item)) {
        this.waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
  }

  /**
   * The first entry, already recorded or still to come, that matches. Rejects
   * after `timeoutMs` with the list of what was recorded, which is usually
   * enough to see why the expected call never came.
   */
  waitFor(predicate: (item: T) => boolean, timeoutMs = 5_000): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.items.map(this.describe).join('\n  ') || '(nothing)';
        reject(new Error(`nothing matching arrived within ${timeoutMs} ms; recorded:\n  ${seen}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
