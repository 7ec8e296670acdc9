/**
 * The chain reads the chat layer asks the engine for (src/engine/chain-reads.ts): holders, the
 * distributor's balances and the endpoint's health, over the local chain's JSON-RPC.
 */
import { readFileSync, statSync } from 'node:fs';
import { PublicKey } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../src/engine/amounts.js';
import { decodeTokenAccount } from '../src/engine/token-account.js';
import { startHarness, type EngineHarness } from './helpers/engine.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await startHarness({ holders: 25, seed: 11 });
});
afterAll(async () => h?.close());

describe('chain reads', () => {
  it('lists the distributor’s SOL and each token it holds, with the mint’s decimals', async () => {
    const { scenario } = h.net;
    const balances = await h.engine.reads.balances();
    expect(balances.payer).toBe(scenario.distributor);
    expect(balances.lamports).toBe(BigInt(await h.engine.gateway.connection('interactive').getBalance(new PublicKey(scenario.distributor))));
    const byMint = new Map(balances.tokens.map((t) => [t.mint, t]));
    const supply = 1_000_000_000n * 10n ** BigInt(scenario.rewardDecimals);
    for (const mint of [scenario.rewardMint, scenario.rewardMint2022]) {
      expect(byMint.get(mint)).toEqual({ mint, amount: supply, decimals: scenario.rewardDecimals });
    }
  });

  it('lists the holders that pass the filters, as the seeded community holds them', async () => {
    const { scenario } = h.net;
    const onCurve = scenario.holders.filter((x) => !x.offCurve);
    const all = await h.engine.reads.holders({ token: scenario.baseMint });
    const owners = (list: typeof all) => Array.from(list.rows, (row) => list.snapshot.holders.owner(row));
    expect(owners(all).sort()).toEqual(onCurve.map((x) => x.owner).sort());
    expect(all.total).toBe(onCurve.reduce((s, x) => s + x.amount, 0n));
    expect(all.excluded).toEqual({ excluded: 0, 'off-curve': scenario.holders.length - onCurve.length, 'below-minimum': 0, 'beyond-max': 0 });

    const largest = [...onCurve].sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : 0));
    const top = await h.engine.reads.holders({ token: scenario.baseMint, max: 3, exclude: [largest[0]?.owner as string] });
    expect(owners(top)).toEqual(largest.slice(1, 4).map((x) => x.owner));
    expect(top.excluded.excluded).toBe(1);
    expect(top.excluded['beyond-max']).toBe(onCurve.length - 4);
  });

  it('exports the holders that pass as a CSV file, largest first, one line each', async () => {
    const { scenario } = h.net;
    const onCurve = scenario.holders.filter((x) => !x.offCurve);
    const { list, file } = await h.engine.reads.exportHolders({ token: scenario.baseMint, min: '0' });
    const lines = readFileSync(file.path, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('owner,amount,token_accounts,off_curve');
    expect(lines).toHaveLength(onCurve.length + 1);
    expect(file.rows).toBe(onCurve.length);
    expect(file.bytes).toBe(statSync(file.path).size);
    const first = list.snapshot.holders.holder(list.rows[0] as number);
    expect(lines[1]).toBe(`${first.owner},${formatAmount(first.amount, list.snapshot.decimals)},${first.tokenAccounts},false`);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(onCurve.map((x) => x.owner).sort());
  });

  it('reads the endpoint’s slot and the gateway’s counters', async () => {
    const health = await h.engine.reads.health();
    expect(health.rpc.ok).toBe(true);
    if (health.rpc.ok) expect(health.rpc.slot).toBeGreaterThan(0);
    expect(health.requests).toBeGreaterThan(0);
    expect(health.queued).toEqual({ interactive: 0, bulk: 0 });
  });
});

describe('token account decoder', () => {
  it('reads mint, owner, amount and the frozen state, and refuses data too short to be an account', () => {
    const data = Buffer.alloc(165);
    data.fill(1, 0, 32);
    data.fill(2, 32, 64);
    data.writeBigUInt64LE(18_446_744_073_709_551_615n, 64);
    data[108] = 2;
    const decoded = decodeTokenAccount(data);
    expect(decoded?.amount).toBe(18_446_744_073_709_551_615n);
    expect(decoded?.frozen).toBe(true);
    expect(decoded?.mint).not.toBe(decoded?.owner);
    expect(decodeTokenAccount(data.subarray(0, 120))).toBeNull();
  });
});
