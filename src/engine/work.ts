/**
 * Long CPU work that must not hold the event loop: Discord's 3 s deadline, the
 * /help of another user and the progress edits all share the loop with a million-holder snapshot.
 *
 * A long loop is written once, as a generator that `yield`s every few hundred iterations. The same
 * generator runs to the end at once (`runNow`, for small inputs and synchronous callers) or in
 * slices of a few milliseconds with the event loop served between them (`runSliced`). One
 * implementation, so the money arithmetic cannot differ between the two ways of running it.
 */

/** A computation that pauses (yields) at points where it may be interrupted, and returns T. */
export type Work<T> = Generator<void, T, void>;

/** Iterations of a simple loop between two pauses: small enough that a pause comes every ~0.1 ms. */
export const PAUSE_EVERY = 1024;

/** Runs the work to the end without giving the event loop a turn. */
export function runNow<T>(work: Work<T>): T {
  let step = work.next();
  while (!step.done) step = work.next();
  return step.value;
}

/** Default slice: short against the 50 ms the issue allows any task, and against a 16 ms frame. */
export const DEFAULT_SLICE_MS = 8;

/**
 * Runs the work in slices of about `sliceMs`, giving the event loop a turn (timers, I/O) between
 * slices, so a timer due during the work fires at most one slice late.
 */
export async function runSliced<T>(work: Work<T>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
  let started = performance.now();
  let step = work.next();
  while (!step.done) {
    if (performance.now() - started >= sliceMs) {
      await turn();
      started = performance.now();
    }
    step = work.next();
  }
  return step.value;
}

/** One turn of the event loop: timers and I/O callbacks due now run before this resolves. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Sorts `index` in place by `compare`, pausing as it goes: runs of 1,024 sorted by the engine's own
 * sort, then merged pairwise (bottom-up merge sort, stable). O(n log n), one scratch array.
 */
export function* sortIndexes(index: Uint32Array, compare: (a: number, b: number) => number): Work<void> {
  const n = index.length;
  const RUN = 1024;
  for (let start = 0; start < n; start += RUN) {
    index.subarray(start, Math.min(n, start + RUN)).sort(compare);
    yield;
  }
  if (n <= RUN) return;
  let from: Uint32Array = index;
  let to: Uint32Array = new Uint32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // `<= 0` keeps equal elements in their order: stable.
        to[k++] = compare(from[i] as number, from[j] as number) <= 0 ? (from[i++] as number) : (from[j++] as number);
        if ((k & (PAUSE_EVERY - 1)) === 0) yield;
      }
      while (i < mid) to[k++] = from[i++] as number;
      while (j < hi) to[k++] = from[j++] as number;
      yield;
    }
    [from, to] = [to, from];
  }
  if (from !== index) index.set(from);
}

/** -1, 0 or 1: bigints in ascending order. */
export function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
