import { readFileSync, rmSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvText } from '../src/engine/csv.js';
import { say, type Message } from '../src/i18n/index.js';
import { Connection, PublicKey } from '@solana/web3.js';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { completion, operator, onChainBalances, runToEnd, harnessPerTest, type EngineHarness } from './helpers/engine.js';
import { isTributaryError } from '../src/engine/errors.js';
import { rejection } from './helpers/rejection.js';

const harness = harnessPerTest();

function direct(h: EngineHarness): Connection {
  return new Connection(h.net.rpcUrl, { commitment: 'confirmed', disableRetryOnRateLimit: true });
}

describe('distribution engine on the local chain', () => {
  it('pays every holder exactly its proportional SPL share into new token accounts, summing to the total', async () => {
    const h = await harness({ holders: 60, seed: 11 });
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '1000', reward: h.net.scenario.rewardMint });
    const { plan } = preview;
    expect(plan.recipients.toArray().reduce((s, r) => s + r.amount, 0n)).toBe(1000_000000n);
    expect(plan.recipients.toArray().every((r) => r.needsAccount)).toBe(true);
    expect(completed.state).toBe('completed');
    expect(completed.paid).toBe(plan.recipients.length);
    expect(completed.failed).toBe(0);
    const balances = await onChainBalances(direct(h), plan);
    for (const r of plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
    // Off-curve owners are excluded by default and said so.
    const offCurve = h.net.scenario.holders.filter((x) => x.offCurve).length;
    expect(preview.excluded['off-curve']).toBe(offCurve);
    expect(plan.recipients.length).toBe(h.net.scenario.holders.length - offCurve);
  });

  it('pays equal SOL shares and the distributor loses exactly the total plus fees', async () => {
    const h = await harness({ holders: 30, seed: 12 });
    const conn = direct(h);
    const before = BigInt(await conn.getBalance(new PublicKey(h.engine.payer)));
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '3', reward: 'sol', mode: 'equal' });
    const { plan } = preview;
    expect(completed.paid).toBe(plan.recipients.length);
    const shares = new Set(plan.recipients.toArray().map((r) => r.amount));
    expect(Math.max(...[...shares].map(Number)) - Math.min(...[...shares].map(Number))).toBeLessThanOrEqual(1);
    const balances = await onChainBalances(conn, plan);
    for (const r of plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
    const after = BigInt(await conn.getBalance(new PublicKey(h.engine.payer)));
    const txs = await h.engine.ledger.transactions(plan.id);
    const confirmed = txs.filter((t) => t.status === 'confirmed').length;
    expect(before - after).toBe(3_000_000_000n + BigInt(confirmed) * 5000n);
  });

  it('gives identical on-chain results with 1, 3 and as many recipients per transaction as fit', async () => {
    const results: string[] = [];
    const txCounts: number[] = [];
    for (const maxRecipientsPerTransaction of [1, 3, null]) {
      const h = await harness({ holders: 25, seed: 13 }, { executor: { maxRecipientsPerTransaction } });
      const { preview } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '777.777777', reward: h.net.scenario.rewardMint });
      const balances = await onChainBalances(direct(h), preview.plan);
      results.push(JSON.stringify([...balances].sort(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      txCounts.push((await h.engine.ledger.transactions(preview.plan.id)).length);
    }
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
    expect(txCounts[0]).toBeGreaterThan(txCounts[1] as number);
    expect(txCounts[1]).toBeGreaterThan(txCounts[2] as number);
  });

  it('skips account creation for holders who already have one and packs more transfers per transaction', async () => {
    const h = await harness({ holders: 40, seed: 14 });
    const first = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '10', reward: h.net.scenario.rewardMint });
    const second = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '20', reward: h.net.scenario.rewardMint });
    expect(second.preview.plan.recipients.toArray().every((r) => !r.needsAccount)).toBe(true);
    expect(second.preview.transactions).toBeLessThan(first.preview.transactions);
    const balances = await onChainBalances(direct(h), second.preview.plan);
    for (const [i, r] of second.preview.plan.recipients.toArray().entries()) {
      expect(balances.get(r.owner)).toBe(r.amount + first.preview.plan.recipients.amount(i));
    }
  });

  it('isolates a recipient whose account cannot receive, pays all the others, and reports the reason', async () => {
    const h = await harness({ holders: 20, seed: 15 });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '500', reward: h.net.scenario.rewardMint }, operator);
    const bad = preview.plan.recipients.get(3);
    // Someone else's program now owns the address the recipient's token account would have.
    const ata = getAssociatedTokenAddressSync(new PublicKey(h.net.scenario.rewardMint), new PublicKey(bad.owner), true);
    h.net.chain.setAccount({ address: ata.toBase58(), data: new Uint8Array(10), lamports: 1_000_000n, owner: PublicKey.unique().toBase58() });
    const done = completion(h, preview.plan.id);
    await h.engine.service.confirm(preview.plan.id, operator);
    const completed = await done;
    expect(completed.failed).toBe(1);
    expect(completed.paid).toBe(preview.plan.recipients.length - 1);
    const report = await h.engine.service.report(preview.plan.id);
    const row = report.find((r) => r.recipient === bad.owner)!;
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/instruction \d+ failed/);
    const balances = await onChainBalances(direct(h), preview.plan);
    for (const r of preview.plan.recipients) expect(balances.get(r.owner)).toBe(r.owner === bad.owner ? 0n : r.amount);
    // The report is a CSV file the engine wrote at the end, one line per recipient, with the text the
    // summary used to carry (the failure's reason is quoted); an export writes the same file again.
    const file = completed.report as NonNullable<typeof completed.report>;
    const written = readFileSync(file.path, 'utf8');
    const header = ['recipient', 'amount', 'asset', 'status', 'signature', 'error'];
    expect(written).toBe(
      csvText(
        header,
        report.map((r) => [r.recipient, r.amount, h.net.scenario.rewardMint, r.status, r.signature, r.error]),
      ),
    );
    expect(written.split('\r\n')[0]).toBe('recipient,amount,asset,status,signature,error');
    expect(written.trim().split('\r\n')).toHaveLength(preview.plan.recipients.length + 1);
    expect(file).toMatchObject({ rows: preview.plan.recipients.length, bytes: Buffer.byteLength(written) });
    const exported = await h.engine.service.exportCsv(preview.plan.id);
    expect(exported).toEqual(file);
    expect(readFileSync(exported.path, 'utf8')).toBe(written);
    // A restarted bot's platforms each ask for the summary: the file written since the end is
    // theirs, not written again (a rename would give it a new inode); a deleted one is written anew.
    const before = statSync(file.path);
    const summaries = await Promise.all([1, 2, 3].map(() => h.engine.service.summary(preview.plan.id)));
    for (const s of summaries) expect(s.report).toEqual(file);
    expect(statSync(file.path).ino).toBe(before.ino);
    rmSync(file.path);
    expect((await h.engine.service.summary(preview.plan.id)).report).toEqual(file);
    expect(readFileSync(file.path, 'utf8')).toBe(written);
  });

  it('pays every recipient exactly once through 429s, 5xx, dropped transactions and expiring blockhashes', async () => {
    const h = await harness(
      { holders: 300, seed: 16, slotMs: 10, faults: { rateLimited: 0.1, serverError: 0.05, dropTransaction: 0.05 } },
      // Three per transaction: ~100 sends, so every kind of fault happens; no rebroadcast, so dropped ones must expire.
      { executor: { rebroadcastIntervalMs: 100_000, maxRecipientsPerTransaction: 3 } },
    );
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '12345.678901', reward: h.net.scenario.rewardMint });
    h.net.server.setFaults({});
    const { plan } = preview;
    const stats = h.net.server.stats();
    expect(stats.injectedRateLimited).toBeGreaterThan(0);
    expect(stats.serverErrors).toBeGreaterThan(0);
    expect(stats.transactionsDropped).toBeGreaterThan(0);
    expect(completed.paid).toBe(plan.recipients.length);
    const txs = await h.engine.ledger.transactions(plan.id);
    expect(txs.some((t) => t.status === 'expired')).toBe(true);
    const balances = await onChainBalances(direct(h), plan);
    for (const r of plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
    const report = await h.engine.service.report(plan.id);
    expect(report.filter((r) => r.status === 'paid')).toHaveLength(completed.paid);
  });

  it('pays nothing more when a completed distribution is run a second time from its ledger', async () => {
    const h = await harness({ holders: 30, seed: 18 });
    const { preview } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '42', reward: h.net.scenario.rewardMint });
    const sendsBefore = h.net.server.stats().requestsByMethod.sendTransaction ?? 0;
    const record = (await h.engine.ledger.getDistribution(preview.plan.id))!;
    // As if the process died after the last confirmation but before recording the end.
    const lease = await h.engine.leases.take(record.id);
    await h.engine.ledger.write(lease.fence, { distribution: { ...record, state: 'running' } });
    await lease.release();
    const done = completion(h, preview.plan.id);
    expect(await h.engine.service.recoverUnfinished()).toEqual([preview.plan.id]);
    const second = await done;
    expect(second.paid).toBe(preview.plan.recipients.length);
    expect(h.net.server.stats().requestsByMethod.sendTransaction ?? 0).toBe(sendsBefore);
    const balances = await onChainBalances(direct(h), preview.plan);
    for (const r of preview.plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
  });

  it('pauses, resumes and cancels on request, and a cancel ends every unsent recipient as failed', async () => {
    const h = await harness({ holders: 80, seed: 19 }, { executor: { maxRecipientsPerTransaction: 1, maxInFlightTransactions: 2 } });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '80', reward: h.net.scenario.rewardMint }, operator);
    const id = preview.plan.id;
    const confirmations = (n: number) =>
      new Promise<void>((resolve) => {
        let seen = 0;
        const on = (e: { outcome: string }) => {
          if (e.outcome === 'confirmed' && ++seen >= n) {
            h.engine.events.off('transaction', on);
            resolve();
          }
        };
        h.engine.events.on('transaction', on);
      });
    let some = confirmations(5);
    await h.engine.service.confirm(id, operator);
    await some;
    const paused = await h.engine.service.pause(id, operator);
    expect(paused.record.state).toBe('paused');
    expect(paused.progress.inFlight).toBe(0);
    const sends = h.net.server.stats().requestsByMethod.sendTransaction ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(h.net.server.stats().requestsByMethod.sendTransaction ?? 0).toBe(sends);
    some = confirmations(5);
    await h.engine.service.resume(id, operator);
    await some;
    const cancelled = await h.engine.service.cancel(id, operator);
    expect(cancelled.record.state).toBe('cancelled');
    const { paid, failed, recipients } = cancelled.progress;
    expect(paid + failed).toBe(recipients);
    expect(paid).toBeGreaterThanOrEqual(10);
    expect(failed).toBeGreaterThan(0);
    const report = await h.engine.service.report(id);
    expect(report.filter((r) => r.status === 'failed').every((r) => r.error === 'cancelled before it was sent')).toBe(true);
    const balances = await onChainBalances(direct(h), preview.plan);
    for (const [i, r] of preview.plan.recipients.toArray().entries()) expect(balances.get(r.owner)).toBe(report[i]?.status === 'paid' ? r.amount : 0n);
    // Only a preview can be confirmed, and a cancelled one cannot come back.
    await expect(h.engine.service.confirm(id, operator)).rejects.toThrow(/cannot confirm .* cancelled/);
    await expect(h.engine.service.resume(id, operator)).rejects.toThrow(/cannot resume/);
  });

  it('starts one run when the same plan is confirmed twice at once, and pays everyone once', async () => {
    const h = await harness({ holders: 30, seed: 26 });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '30', reward: h.net.scenario.rewardMint }, operator);
    const done = completion(h, preview.plan.id);
    const results = await Promise.allSettled([h.engine.service.confirm(preview.plan.id, operator), h.engine.service.confirm(preview.plan.id, operator)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/only a previewed plan can be confirmed/);
    await done;
    await h.engine.service.whenIdle();
    const txs = await h.engine.ledger.transactions(preview.plan.id);
    expect(h.net.server.stats().requestsByMethod.sendTransaction).toBe(txs.length);
    const balances = await onChainBalances(direct(h), preview.plan);
    for (const r of preview.plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
  });

  it('refuses a plan confirmed after it expired', async () => {
    const h = await harness({ holders: 10, seed: 20 }, { previewTtlMs: 50 });
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '1', reward: 'SOL' }, operator);
    await new Promise((r) => setTimeout(r, 80));
    await expect(h.engine.service.confirm(preview.plan.id, operator)).rejects.toThrow(/expired/);
    expect(h.net.server.stats().requestsByMethod.sendTransaction ?? 0).toBe(0);
  });

  it('completes under the emulated public-mainnet limit without drawing a single 429', async () => {
    const limit = { requestsPerWindow: 100, perMethodPerWindow: 40, windowMs: 10_000 };
    const h = await harness({ holders: 420, seed: 21, slotMs: 100, rateLimit: limit }, { gateway: { limit } });
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '5000', reward: h.net.scenario.rewardMint });
    const stats = h.net.server.stats();
    // More sends than one window allows for a single method: the limit really was binding.
    expect(stats.requestsByMethod.sendTransaction).toBeGreaterThan(40);
    expect(stats.rateLimited).toBe(0);
    expect(completed.paid).toBe(preview.plan.recipients.length);
    const balances = await onChainBalances(direct(h), preview.plan);
    for (const r of preview.plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
  }, 90_000);

  it('pays a Token-2022 reward to Token-2022 holders exactly', async () => {
    const h = await harness({ holders: 10, seed: 22 });
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint2022, amount: '99.5', reward: h.net.scenario.rewardMint2022 });
    expect(preview.plan.reward).toMatchObject({ kind: 'spl', program: 'spl-token-2022' });
    expect(completed.paid).toBe(preview.plan.recipients.length);
    const balances = await onChainBalances(direct(h), preview.plan);
    for (const r of preview.plan.recipients) expect(balances.get(r.owner)).toBe(r.amount);
  });

  it('shows recipients paid while the rest of a large run is still being sent', async () => {
    const limit = { requestsPerWindow: 30, windowMs: 1_000 };
    const h = await harness({ holders: 60, seed: 26 }, { gateway: { limit, budgetAtStart: 'empty' }, executor: { maxRecipientsPerTransaction: 1, pollIntervalMs: 100 } });
    const seen: { paid: number; sent: number }[] = [];
    h.engine.events.on('progress', (e) => seen.push({ paid: e.paid, sent: e.transactionsSent }));
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '60', reward: h.net.scenario.rewardMint });
    const total = preview.plan.recipients.length;
    expect(completed.paid).toBe(total);
    // Before every transaction was sent, the progress already counted some recipients paid.
    expect(seen.some((p) => p.paid > 0 && p.sent < total)).toBe(true);
  });

  it('refuses to confirm a plan whose SOL shares to new wallets are below the rent-exempt minimum, saying what to change, and sends nothing', async () => {
    const h = await harness({ holders: 40, seed: 23 });
    // 0.05 SOL over ~40 holders proportionally: the small holders' shares are below 890,880 lamports.
    const preview = await h.engine.service.preview({ token: h.net.scenario.baseMint, amount: '0.05', reward: 'SOL' }, operator);
    expect(preview.belowRentExemptionCount).toBeGreaterThan(0);
    expect(preview.risks).toContainEqual({ code: 'below-rent-exemption', count: preview.belowRentExemptionCount });
    const refused = await rejection(h.engine.service.confirm(preview.plan.id, operator));
    expect(refused.code).toBe('PLAN_BLOCKED');
    expect(refused.userMessage).toContain(`${preview.belowRentExemptionCount} SOL share(s) to new wallets are below the rent-exempt minimum of 0.00089088 SOL`);
    expect(refused.userMessage).toMatch(/raise the amount, set min:/);
    expect(h.net.server.stats().requestsByMethod.sendTransaction ?? 0).toBe(0);
    expect((await h.engine.ledger.getDistribution(preview.plan.id))?.state).toBe('previewed');
  });

  it('refuses to confirm a plan whose first transaction fails in simulation', async () => {
    const h = await harness({ holders: 10, seed: 25 });
    const req = { token: h.net.scenario.baseMint, amount: '5', reward: h.net.scenario.rewardMint };
    const first = (await h.engine.service.preview(req, operator)).plan.recipients.get(0);
    // Someone else's program owns the address the first recipient's token account would have.
    const ata = getAssociatedTokenAddressSync(new PublicKey(h.net.scenario.rewardMint), new PublicKey(first.owner), true);
    h.net.chain.setAccount({ address: ata.toBase58(), data: new Uint8Array(10), lamports: 1_000_000n, owner: PublicKey.unique().toBase58() });
    const preview = await h.engine.service.preview({ ...req, refreshSnapshot: true }, operator);
    expect(preview.simulation.ok).toBe(false);
    const refused = await rejection(h.engine.service.confirm(preview.plan.id, operator));
    expect(refused.code).toBe('PLAN_BLOCKED');
    expect(refused.userMessage).toMatch(/its first transaction fails in simulation/);
    expect(h.net.server.stats().requestsByMethod.sendTransaction ?? 0).toBe(0);
  });

  it('pauses with the reason, blaming no recipient, when the distributor runs out of reward tokens mid-run', async () => {
    const h = await harness({ holders: 60, seed: 24 }, { executor: { maxInFlightTransactions: 1 } });
    const s = h.net.scenario;
    const preview = await h.engine.service.preview({ token: s.baseMint, amount: '1000', reward: s.rewardMint }, operator);
    const paused = new Promise<{ note?: Message }>((resolve) => h.engine.events.on('progress', (e) => e.state === 'paused' && resolve(e)));
    h.engine.events.once('transaction', () => {
      // The distributor's token account is emptied by someone else after the first transaction.
      const source = getAssociatedTokenAddressSync(new PublicKey(s.rewardMint), new PublicKey(s.distributor));
      const acc = h.net.chain.getAccount(source.toBase58())!;
      const data = Buffer.from(acc.data);
      data.writeBigUInt64LE(1n, 64);
      h.net.chain.setAccount({ address: source.toBase58(), data, lamports: acc.lamports, owner: acc.programAddress });
    });
    await h.engine.service.confirm(preview.plan.id, operator);
    const event = await paused;
    expect(event.note?.key).toBe('pause.distributorCannotPay');
    expect(say('en', event.note!)).toMatch(/distributor cannot pay/);
    const status = await h.engine.service.status(preview.plan.id);
    expect(status.record.state).toBe('paused');
    expect(status.progress.failed).toBe(0);
    // Resuming checks balances first and says what is missing.
    await expect(h.engine.service.resume(preview.plan.id, operator)).rejects.toThrow(/holds 0.000001 .* needs/);
  });

  it('signs only a few transactions ahead of a slow send budget, so none expires waiting to be sent', async () => {
    // 4 sends a second (a paid plan's sendTransaction limit) and a blockhash that lives 7.5 s:
    // signing all 40 at once would leave the last ten waiting longer than their blockhash lives.
    const limit = { requestsPerWindow: 1000, windowMs: 1000, methods: { sendTransaction: { requests: 4, windowMs: 1000 } } };
    const h = await harness(
      { holders: 40, seed: 25, slotMs: 50, rateLimit: limit },
      { gateway: { limit }, executor: { maxRecipientsPerTransaction: 1, maxOutstandingBroadcasts: 8 } },
    );
    const { preview, completed } = await runToEnd(h, { token: h.net.scenario.baseMint, amount: '40', reward: h.net.scenario.rewardMint, includeOffCurve: true });
    const txs = await h.engine.ledger.transactions(preview.plan.id);
    expect(completed.paid).toBe(preview.plan.recipients.length);
    expect(txs.filter((t) => t.status === 'expired')).toEqual([]);
    expect(txs).toHaveLength(preview.plan.recipients.length);
    expect(h.net.server.stats().rateLimited).toBe(0);
  }, 60_000);

  it('refuses bad input with a message naming the problem, and sends nothing', async () => {
    const h = await harness({ holders: 10, seed: 17 });
    const s = h.net.scenario;
    const cases: [Parameters<typeof h.engine.service.preview>[0], string, RegExp][] = [
      [{ token: 'not-an-address', amount: '1', reward: 'SOL' }, 'INVALID_ADDRESS', /not-an-address/],
      [{ token: s.rewardMint, amount: '1', reward: s.distributor }, 'NOT_A_MINT', new RegExp(s.distributor)],
      [{ token: s.baseMint, amount: '1', reward: s.transferFeeMint }, 'UNSUPPORTED_MINT', /transfer fee/],
      [{ token: s.baseMint, amount: '0', reward: 'SOL' }, 'AMOUNT_NOT_POSITIVE', /zero/],
      [{ token: s.baseMint, amount: '-5', reward: 'SOL' }, 'AMOUNT_NOT_POSITIVE', /-5/],
      [{ token: s.baseMint, amount: '1.0000001', reward: s.rewardMint }, 'AMOUNT_TOO_PRECISE', /decimals/],
    ];
    for (const [req, code, message] of cases) {
      const err = await h.engine.service.preview(req, operator).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isTributaryError(err), `${JSON.stringify(req)} should be refused`).toBe(true);
      expect((err as { code: string }).code).toBe(code);
      expect((err as Error).message).toMatch(message);
    }
    const tooMuch = await h.engine.service.preview({ token: s.baseMint, amount: '2000000000', reward: s.rewardMint }, operator);
    const err = await h.engine.service.confirm(tooMuch.plan.id, operator).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as { code: string }).code).toBe('INSUFFICIENT_BALANCE');
    expect((err as Error).message).toMatch(/holds 1000000000 .* needs 2000000000/);
    // A frozen source account: flagged in the preview, refused at confirm.
    const source = getAssociatedTokenAddressSync(new PublicKey(s.rewardMint), new PublicKey(s.distributor));
    const acc = h.net.chain.getAccount(source.toBase58())!;
    const frozen = Buffer.from(acc.data);
    frozen[108] = 2;
    h.net.chain.setAccount({ address: source.toBase58(), data: frozen, lamports: acc.lamports, owner: acc.programAddress });
    const blocked = await h.engine.service.preview({ token: s.baseMint, amount: '1', reward: s.rewardMint }, operator);
    expect(blocked.risks).toContainEqual({ code: 'source-frozen' });
    await expect(h.engine.service.confirm(blocked.plan.id, operator)).rejects.toThrow(/frozen/);
    expect(h.net.server.stats().requestsByMethod.sendTransaction ?? 0).toBe(0);
  });
});
