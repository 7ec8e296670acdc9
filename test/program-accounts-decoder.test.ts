import { describe, expect, it, vi } from 'vitest';
import { decodeProgramAccountsAnswer } from '../src/engine/program-accounts-answer.js';
import { decodeProgramAccounts, OFF_THREAD_MIN_CHARS } from '../src/engine/program-accounts-decoder.js';
import { turn } from '../src/engine/work.js';

const SLICE = 40;

/** A getProgramAccounts answer as a node sends it: `count` accounts, each slice filled with bytes derived from its index. */
function answerText(count: number, sliceBytes = SLICE): string {
  const value = Array.from({ length: count }, (_, i) => {
    const slice = Buffer.alloc(sliceBytes);
    slice.writeUInt32LE(i, 0);
    slice.writeUInt32LE(i * 7 + 1, sliceBytes - 4);
    return {
      account: { data: [slice.toString('base64'), 'base64'], executable: false, lamports: 2039280, owner: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', rentEpoch: 0, space: 165 },
      pubkey: `Address${i}`,
    };
  });
  return JSON.stringify({ jsonrpc: '2.0', id: 1, result: { context: { slot: 4242, apiVersion: '2.0' }, value } });
}

/** Runs `work` and counts the turns the event loop takes before it settles. */
async function turnsWhile<T>(work: Promise<T>): Promise<{ value: T; turns: number }> {
  let done = false;
  let turns = 0;
  const counting = (async () => {
    while (!done) {
      await turn();
      turns += 1;
    }
  })();
  try {
    return { value: await work, turns };
  } finally {
    done = true;
    await counting;
  }
}

describe('getProgramAccounts answer decoding', () => {
  it('decodes a big answer on the decoder thread, byte for byte as the main thread does, while the event loop keeps turning', async () => {
    const text = answerText(30_000);
    expect(text.length).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    const here = decodeProgramAccountsAnswer(text, SLICE, true);
    const { value: there, turns } = await turnsWhile(decodeProgramAccounts(text, SLICE, true));
    expect(there.invalid).toBeUndefined();
    expect(there.slot).toBe(4242);
    expect(there.count).toBe(30_000);
    expect(Buffer.from(there.data).equals(Buffer.from(here.data))).toBe(true);
    expect(there.addresses).toEqual(here.addresses);
    expect(Buffer.from(there.data.subarray(29_999 * SLICE, 30_000 * SLICE)).readUInt32LE(0)).toBe(29_999);
    // Parsing ~3 MB of JSON on the event loop would give it no turn at all until the answer is decoded.
    expect(turns).toBeGreaterThan(0);
  });

  it('refuses an answer whose accounts are not the size asked for, on either thread', async () => {
    for (const count of [10, 20_000]) {
      const answer = await decodeProgramAccounts(answerText(count, 165), SLICE, false);
      expect(answer.invalid).toBe(`getProgramAccounts returned 165-byte account data; expected ${SLICE} (dataSlice ignored?)`);
      expect(answer.count).toBe(0);
    }
  });

  it("passes the node's error through, and names an answer without a context slot", async () => {
    const error = await decodeProgramAccounts(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'excluded from account secondary indexes' } }), SLICE, false);
    expect(error.error).toEqual({ code: -32010, message: 'excluded from account secondary indexes', data: undefined });
    const noSlot = await decodeProgramAccounts(`{"jsonrpc":"2.0","id":1,"result":[${' '.repeat(OFF_THREAD_MIN_CHARS)}]}`, SLICE, false);
    expect(noSlot.invalid).toMatch(/without a context slot/);
    const notJson = await decodeProgramAccounts('<html>502 Bad Gateway</html>', SLICE, false);
    expect(notJson.invalid).toMatch(/not JSON/);
  });

  it('refuses account data that is not [base64, encoding] and a context slot that is not a slot number', async () => {
    const slice = Buffer.alloc(SLICE, 7).toString('base64');
    const answer = (data: unknown, slot: unknown = 5) => JSON.stringify({ jsonrpc: '2.0', id: 1, result: { context: { slot }, value: [{ account: { data }, pubkey: 'P' }] } });
    for (const data of [slice, [slice.replace(/=+$/, ''), 'base64'], [`${slice.slice(0, -4)}====`, 'base64']]) {
      expect(decodeProgramAccountsAnswer(answer(data), SLICE, false).invalid).toBeDefined();
    }
    expect(decodeProgramAccountsAnswer(answer(slice), SLICE, false).invalid).toBe('getProgramAccounts answered an account without base64 data');
    for (const slot of [1.5, -3, 1e300]) {
      const decoded = decodeProgramAccountsAnswer(answer([slice, 'base64'], slot), SLICE, false);
      expect(decoded.invalid).toBe(`getProgramAccounts answered a context slot that is not a slot number (${slot})`);
      expect(decoded.count).toBe(0);
    }
    expect(decodeProgramAccountsAnswer(answer([slice, 'base64'], 0), SLICE, false)).toMatchObject({ slot: 0, count: 1 });
  });

  it('decodes on the main thread, to the same answer, when the thread cannot run the decoding function', async () => {
    // As under a coverage instrumenter: the shipped source calls something only the main thread has.
    vi.resetModules();
    const answerModule = await import('../src/engine/program-accounts-answer.js');
    const original = answerModule.decodeProgramAccountsAnswer.toString();
    Object.defineProperty(answerModule.decodeProgramAccountsAnswer, 'toString', {
      value: () => `function (text, sliceLength, withAddresses) { instrumentedCounter.hits++; return (${original})(text, sliceLength, withAddresses); }`,
    });
    const { decodeProgramAccounts: decodeFresh } = await import('../src/engine/program-accounts-decoder.js');
    const text = answerText(20_000);
    expect(text.length).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    const there = await decodeFresh(text, SLICE, true);
    const here = decodeProgramAccountsAnswer(text, SLICE, true);
    expect(there.invalid).toBeUndefined();
    expect(there.count).toBe(20_000);
    expect(Buffer.from(there.data).equals(Buffer.from(here.data))).toBe(true);
    expect(there.addresses).toEqual(here.addresses);
    // A wrong answer is still refused, by the main thread.
    expect((await decodeFresh(answerText(20_000, 165), SLICE, false)).invalid).toMatch(/165-byte account data/);
  });
});
