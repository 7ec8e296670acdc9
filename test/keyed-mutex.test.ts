import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../src/concurrency/keyed-mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('keyed mutex', () => {
  it('runs work of one key one at a time in call order, keys side by side, and forgets a key once idle', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const job = (key: string, name: string, fail = false) =>
      mutex.run(key, async () => {
        running += 1;
        most = Math.max(most, running);
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        running -= 1;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job('a', 'a1'), job('a', 'a2', true), job('b', 'b1'), job('a', 'a3')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a1', 'a2', 'b1', 'a3']);
    const aOnly = log.filter((l) => l.includes(' a'));
    // A failed job does not stop the ones after it; none of one key overlaps another.
    expect(aOnly).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(most).toBe(2); // a and b at the same time
    expect(mutex.size).toBe(0);
  });

  it('idle waits for work asked for while it waits', async () => {
    const mutex = new KeyedMutex();
    const done: string[] = [];
    void mutex.run('k', async () => {
      await tick();
      void mutex.run('k', async () => {
        await tick();
        done.push('second');
      });
      done.push('first');
    });
    await mutex.idle();
    expect(done).toEqual(['first', 'second']);
  });
});
