import { describe, expect, it } from 'vitest';
import { Keypair } from '@solana/web3.js';
import { allocate, allocateRows } from '../src/engine/allocate.js';
import { HolderTable } from '../src/engine/holder-table.js';
import { seededRandom } from '../src/localnet/random.js';
import { isTributaryError } from '../src/engine/errors.js';
import type { Allocation, Holder } from '../src/engine/types.js';

/** Deterministic (mulberry32), so a failing case can be replayed from its seed. */
const prng = seededRandom;

/** A bigint with up to `digits` decimal digits, built digit by digit (no float precision limit). */
function randomBig(random: () => number, digits: number): bigint {
  let s = '';
  const n = 1 + Math.floor(random() * digits);
  for (let i = 0; i < n; i++) s += Math.floor(random() * 10).toString();
  return BigInt(s);
}

function holder(owner: string, amount: bigint, offCurve = false): Holder {
  return { owner, amount, offCurve, tokenAccounts: 1 };
}

function randomHolders(random: () => number, count: number): Holder[] {
  return Array.from({ length: count }, (_, i) => holder(`owner${i.toString().padStart(6, '0')}`, randomBig(random, 16), random() < 0.02));
}

const sum = (list: Allocation[]) => list.reduce((s, a) => s + a.amount, 0n);
const amountOf = (result: { allocations: Allocation[] }, owner: string) => result.allocations.find((a) => a.owner === owner)?.amount ?? 0n;

describe('allocate', () => {
  it('pays exactly the total, to the base unit, for many random holder sets and totals', () => {
    const random = prng(7);
    for (let run = 0; run < 300; run++) {
      const holders = randomHolders(random, 1 + Math.floor(random() * 150));
      const total = randomBig(random, 20);
      if (total === 0n || holders.every((h) => h.amount === 0n)) continue;
      for (const mode of ['proportional', 'equal'] as const) {
        const { allocations, zeroShare } = allocate(holders, total, mode);
        expect(sum(allocations)).toBe(total);
        expect(allocations.length + zeroShare.length).toBe(holders.length);
      }
    }
  });

  it('gives every holder their proportional share within one base unit', () => {
    const random = prng(11);
    for (let run = 0; run < 100; run++) {
      const holders = randomHolders(random, 1 + Math.floor(random() * 100));
      const total = 1n + randomBig(random, 18);
      const weight = holders.reduce((s, h) => s + h.amount, 0n);
      if (weight === 0n) continue;
      const result = allocate(holders, total, 'proportional');
      for (const h of holders) {
        // |share - total * h / weight| < 1, scaled by weight to stay in integers.
        const error = amountOf(result, h.owner) * weight - total * h.amount;
        expect(error < weight && error > -weight).toBe(true);
      }
    }
  });

  it('hands the left-over units to the largest fractional remainders', () => {
    // Exact shares of 10 over holdings 5:3:2:1 (sum 11): 4.545, 2.727, 1.818, 0.909.
    const holders = [holder('a', 5n), holder('b', 3n), holder('c', 2n), holder('d', 1n)];
    const result = allocate(holders, 10n, 'proportional');
    expect(result.allocations.map((a) => [a.owner, a.amount])).toEqual([
      ['a', 4n],
      ['b', 3n],
      ['c', 2n],
      ['d', 1n],
    ]);
  });

  it('splits equally in equal mode, the extra units going to the largest holders', () => {
    const holders = [holder('small', 1n), holder('big', 1_000n), holder('mid', 50n)];
    const result = allocate(holders, 11n, 'equal');
    expect(result.allocations.map((a) => [a.owner, a.amount])).toEqual([
      ['big', 4n],
      ['mid', 4n],
      ['small', 3n],
    ]);
  });

  it('gives a single holder the whole total', () => {
    const result = allocate([holder('only', 3n)], 1_000_000_007n);
    expect(result.allocations).toEqual([{ owner: 'only', amount: 1_000_000_007n, holding: 3n, offCurve: false }]);
    expect(result.zeroShare).toEqual([]);
  });

  it('pays one unit each to the largest holders when the total is smaller than the holder count, and lists the rest', () => {
    const holders = [holder('a', 10n), holder('b', 40n), holder('c', 30n), holder('d', 20n), holder('e', 25n)];
    for (const mode of ['proportional', 'equal'] as const) {
      const result = allocate(holders, 3n, mode);
      expect(result.allocations.map((a) => [a.owner, a.amount])).toEqual([
        ['b', 1n],
        ['c', 1n],
        ['e', 1n],
      ]);
      expect(result.zeroShare.map((a) => a.owner)).toEqual(['d', 'a']);
    }
  });

  it('lists tiny holders whose share rounds to zero instead of dropping them', () => {
    const holders = [holder('whale', 1_000_000_000n), holder('dust1', 1n), holder('dust2', 2n)];
    const result = allocate(holders, 1_000n);
    expect(result.allocations).toEqual([{ owner: 'whale', amount: 1_000n, holding: 1_000_000_000n, offCurve: false }]);
    expect(result.zeroShare).toEqual([
      { owner: 'dust2', amount: 0n, holding: 2n, offCurve: false },
      { owner: 'dust1', amount: 0n, holding: 1n, offCurve: false },
    ]);
  });

  it('carries the off-curve flag through to the allocation', () => {
    const result = allocate([holder('vault', 5n, true), holder('wallet', 5n)], 10n);
    expect(result.allocations.find((a) => a.owner === 'vault')?.offCurve).toBe(true);
  });

  it('gives the same result whatever order the holders come in', () => {
    const random = prng(3);
    const holders = randomHolders(random, 500);
    const expected = allocate(holders, 123_456_789n);
    for (let i = 0; i < 5; i++) {
      const shuffled = [...holders].sort(() => random() - 0.5);
      expect(allocate(shuffled, 123_456_789n)).toEqual(expected);
    }
  });

  it('breaks a tie for a left-over unit by larger holding, then by lower owner address', () => {
    // Equal holdings, equal remainders: the lower address wins the single spare unit.
    expect(allocate([holder('B', 1n), holder('A', 1n)], 1n).allocations.map((a) => a.owner)).toEqual(['A']);
    // Equal mode, equal remainders: the larger holding wins before the address is looked at.
    expect(allocate([holder('A', 1n), holder('B', 2n)], 1n, 'equal').allocations.map((a) => a.owner)).toEqual(['B']);
  });

  it('allocates among 20,000 holders and still sums exactly', () => {
    const holders = randomHolders(prng(99), 20_000);
    const total = 987_654_321_987_654_321n;
    const { allocations, zeroShare } = allocate(holders, total);
    expect(sum(allocations)).toBe(total);
    expect(allocations.length + zeroShare.length).toBe(20_000);
  });

  it("gives the same shares over a snapshot's compact table (sliced, 64-bit storage) as over holder objects", async () => {
    const random = prng(21);
    for (let run = 0; run < 20; run++) {
      const holders = Array.from({ length: 1 + Math.floor(random() * 400) }, () => holder(Keypair.generate().publicKey.toBase58(), 1n + randomBig(random, 12)));
      const table = HolderTable.fromHolders(holders);
      const rows = Uint32Array.from({ length: table.length }, (_, i) => i);
      const total = 1n + randomBig(random, 18);
      for (const mode of ['proportional', 'equal'] as const) {
        const objects = allocate(holders, total, mode);
        const compact = await allocateRows(table, rows, total, mode);
        const byOwner = new Map<string, bigint>();
        for (let k = 0; k < compact.paid; k++) {
          const i = compact.order[k] as number;
          byOwner.set(table.owner(rows[i] as number), compact.amounts[i] as bigint);
        }
        expect([...byOwner.values()].reduce((a, b) => a + b, 0n)).toBe(total);
        expect(byOwner).toEqual(new Map(objects.allocations.map((a) => [a.owner, a.amount])));
      }
    }
  });

  it('refuses to allocate to nobody', () => {
    let error: unknown;
    try {
      allocate([], 100n);
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'NO_RECIPIENTS')).toBe(true);
    expect(() => allocate([holder('a', 0n)], 100n)).toThrow(/hold nothing/);
  });

  it('refuses a zero total', () => {
    expect(() => allocate([holder('a', 1n)], 0n)).toThrow(/more than zero/);
  });

  it('refuses a holder list with the same owner twice, which would pay them twice', () => {
    expect(() => allocate([holder('a', 1n), holder('a', 2n)], 10n)).toThrow(/appears twice/);
  });
});
