import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ledgerOf, type Fence, type Ledger, type Plan, type TxRecord } from '../src/engine/ledger.js';
import { openStore, type Store } from '../src/store/index.js';
import { RecipientTable } from '../src/engine/recipient-table.js';
import { recipientStates, StateTally } from '../src/engine/owed.js';
import { settle } from '../src/engine/settle.js';

const tx = (seq: number, recipients: number[], status: TxRecord['status'], lastValidBlockHeight = 100): TxRecord => ({
  seq,
  signature: `sig${seq}`,
  recipients,
  lastValidBlockHeight,
  wire: '',
  status,
  signedAt: 0,
});

describe('recipient states derived from the ledger', () => {
  it('a recipient in no transaction is pending and owed', () => {
    expect(recipientStates(3, [], new Map()).owed()).toEqual([0, 1, 2]);
  });

  it('a recipient in a signed, unsettled transaction is in flight and not owed: it may not be signed again', () => {
    const view = recipientStates(3, [tx(0, [0, 1], 'signed')], new Map());
    expect(view.toArray().map((s) => s.status)).toEqual(['in-flight', 'in-flight', 'pending']);
    expect(view.owed()).toEqual([2]);
  });

  it('a confirmed transaction pays its recipients, with its signature', () => {
    expect(recipientStates(2, [tx(0, [1], 'confirmed')], new Map()).state(1)).toEqual({ status: 'paid', signature: 'sig0' });
  });

  it('an expired transaction gives its recipients back to be signed anew', () => {
    expect(recipientStates(2, [tx(0, [0, 1], 'expired')], new Map()).owed()).toEqual([0, 1]);
  });

  it('a failed transaction pays nobody; a recorded failure ends the recipient as failed with the reason', () => {
    const failures = new Map([[0, { reason: 'instruction 2 failed: {"Custom":17}', at: 0, round: 0, signature: 'sig1' }]]);
    const view = recipientStates(2, [tx(0, [0, 1], 'failed'), tx(1, [0], 'failed')], failures);
    expect(view.state(0)).toEqual({ status: 'failed', reason: 'instruction 2 failed: {"Custom":17}', signature: 'sig1' });
    expect(view.status(1)).toBe('pending');
  });

  it('a recipient paid by a later transaction is paid even if an earlier one failed or expired', () => {
    const view = recipientStates(1, [tx(0, [0], 'expired'), tx(1, [0], 'failed'), tx(2, [0], 'confirmed')], new Map());
    expect(view.state(0)).toEqual({ status: 'paid', signature: 'sig2' });
    expect(view.paidTwice).toEqual([]);
  });

  it('two confirmed transactions for one recipient are reported as a double payment', () => {
    expect(recipientStates(1, [tx(0, [0], 'confirmed'), tx(1, [0], 'confirmed')], new Map()).paidTwice).toEqual([0]);
  });

  it('the counts a run keeps as it writes equal a recomputation from the whole ledger, whatever the order of writes', () => {
    // A seeded generator: a failure names the seed and replays.
    for (let seed = 1; seed <= 40; seed++) {
      let x = seed;
      const random = (n: number) => {
        x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
        return x % n;
      };
      const count = 1 + random(30);
      const table = RecipientTable.empty(count);
      for (let i = 0; i < count; i++) table.set(i, new Uint8Array(32).fill(i), BigInt(1 + i * 7), 1n, false, false);
      const tally = new StateTally(table);
      const txs: TxRecord[] = [];
      let failures = new Map<number, { reason: string; at: number; round: number }>();
      const statuses: TxRecord['status'][] = ['signed', 'confirmed', 'failed', 'expired'];
      for (let step = 0; step < 200; step++) {
        const op = random(10);
        if (op < 4 || txs.length === 0) {
          // Any recipients, an index outside the plan and a repeated one included.
          const recipients = Array.from({ length: 1 + random(4) }, () => random(count + 2) - 1);
          const record = tx(txs.length, recipients, statuses[random(4)] as TxRecord['status']);
          txs.push(record);
          tally.tx(undefined, record);
        } else if (op < 8) {
          const seq = random(txs.length);
          const before = txs[seq] as TxRecord;
          const after = { ...before, status: statuses[random(4)] as TxRecord['status'] };
          tally.tx(before, after);
          txs[seq] = after;
        } else {
          const next = new Map(failures);
          const i = random(count + 1);
          if (next.has(i)) next.delete(i);
          else next.set(i, { reason: `r${i}`, at: 0, round: 0 });
          tally.failures(failures, next);
          failures = next;
        }
        const full = recipientStates(count, txs, failures);
        const want = full.tally(table);
        const what = { seed, step };
        expect({ ...what, paid: tally.paid, failed: tally.failed, inFlight: tally.inFlight, paidAmount: tally.paidAmount }).toEqual({
          ...what,
          paid: want.paid,
          failed: want.failed,
          inFlight: want.inFlight,
          paidAmount: want.paidAmount,
        });
        expect({ ...what, sent: tally.transactions, confirmed: tally.transactionsConfirmed, failed: tally.transactionsFailed }).toEqual({
          ...what,
          sent: txs.length,
          confirmed: txs.filter((t) => t.status === 'confirmed').length,
          failed: txs.filter((t) => t.status === 'failed').length,
        });
        expect(full.owed()).toHaveLength(count - want.paid - want.failed - want.inFlight);
      }
      // Built in one go from the same ledger, it says the same.
      const rebuilt = StateTally.of(table, txs, failures);
      expect([rebuilt.paid, rebuilt.failed, rebuilt.inFlight, rebuilt.paidAmount]).toEqual([tally.paid, tally.failed, tally.inFlight, tally.paidAmount]);
    }
  });
});

describe('settling a broadcast transaction', () => {
  const record = { lastValidBlockHeight: 100 };
  /** A poll of one endpoint: finalized height 101 read at slot 140, statuses answered from slot 150, history searched. */
  const past = { finalized: { slot: 140, blockHeight: 101 }, statusContextSlot: 150, historySearched: true, firstAvailableSlot: 0 };

  it('is confirmed when the chain reports it confirmed without error', () => {
    expect(settle(record, { slot: 5, err: null, confirmationStatus: 'confirmed' }, past, 'not-asked')).toEqual({ outcome: 'confirmed', slot: 5 });
  });

  it('is failed when it landed with an error seen at confirmed', () => {
    const err = { InstructionError: [1, { Custom: 1 }] };
    expect(settle(record, { slot: 5, err, confirmationStatus: 'confirmed' }, past, 'not-asked')).toEqual({ outcome: 'failed', error: err, slot: 5 });
  });

  it('stays unknown while only processed, a failure included: that fork can be abandoned and the bytes land elsewhere', () => {
    expect(settle(record, { slot: 5, err: null, confirmationStatus: 'processed' }, past, 'absent')).toEqual({ outcome: 'unknown', missing: 'may-still-land' });
    const err = { InstructionError: [0, 'ProgramFailedToComplete'] };
    expect(settle(record, { slot: 5, err, confirmationStatus: 'processed' }, past, 'absent')).toEqual({ outcome: 'unknown', missing: 'seen-only-at-processed' });
  });

  it('stays unknown while not found and the finalized height has not passed lastValidBlockHeight', () => {
    expect(settle(record, null, { ...past, finalized: { slot: 140, blockHeight: 100 } }, 'absent').outcome).toBe('unknown');
    expect(settle(record, null, { ...past, finalized: null }, 'absent')).toEqual({ outcome: 'unknown', missing: 'no-height-reading' });
  });

  it('stays unknown when the node searched only its recent status cache (no history, -32011)', () => {
    expect(settle(record, null, { ...past, historySearched: false }, 'absent')).toEqual({ outcome: 'unknown', missing: 'no-history' });
  });

  it('stays unknown when the status lookup answered from a bank older than the height reading (a lagging node)', () => {
    expect(settle(record, null, { ...past, statusContextSlot: 139 }, 'absent')).toEqual({ outcome: 'unknown', missing: 'status-behind-height' });
  });

  it("stays unknown when the node's ledger starts after the transaction was signed (a pruned ledger), or the node does not say where it starts", () => {
    expect(settle({ ...record, signedSlot: 20 }, null, { ...past, firstAvailableSlot: 21 }, 'absent')).toEqual({ outcome: 'unknown', missing: 'history-pruned' });
    expect(settle({ ...record, signedSlot: 20 }, null, { ...past, firstAvailableSlot: null }, 'absent')).toEqual({ outcome: 'unknown', missing: 'history-pruned' });
    expect(settle({ ...record, signedSlot: 20 }, null, { ...past, firstAvailableSlot: 20 }, 'absent')).toEqual({ outcome: 'expired' });
  });

  it('stays unknown unless getTransaction, asked in the same poll, also found nothing', () => {
    for (const lookup of ['not-asked', 'unavailable', 'found'] as const) {
      expect(settle(record, null, past, lookup)).toEqual({ outcome: 'unknown', missing: 'transaction-lookup' });
    }
  });

  it('expires only with all the evidence: past the height, not in history from a bank at or after it, not found by getTransaction', () => {
    expect(settle(record, null, past, 'absent')).toEqual({ outcome: 'expired' });
    expect(settle(record, null, { ...past, statusContextSlot: 140 }, 'absent')).toEqual({ outcome: 'expired' });
  });
});

describe('ledger storage', () => {
  let store: Store;
  let ledger: Ledger;
  let fence: Fence;
  beforeEach(async () => {
    store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-ledger-')), sweepIntervalMs: 0 });
    ledger = ledgerOf(store);
    const lease = await ledger.acquireLease('d1', { instance: 'a', host: 'h', pid: 1 }, 60_000);
    fence = { distributionId: 'd1', token: lease.lease.token };
  });
  afterEach(async () => store.close());

  it('finds every transaction record, including one written past a page boundary', async () => {
    for (let seq = 0; seq < 300; seq++) await ledger.writeTx(fence, tx(seq, [seq], 'signed'));
    const all = await ledger.transactions('d1');
    expect(all.map((t) => t.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('refuses a write from a process whose lease was taken over, and keeps what the new owner wrote', async () => {
    await ledger.writeTx(fence, tx(0, [0], 'signed'));
    // The lease lapses (its holder stalled) and another process takes it over.
    await ledger.releaseLease(fence);
    const other = await ledger.acquireLease('d1', { instance: 'b', host: 'h', pid: 2 }, 60_000);
    expect(other.acquired).toBe(true);
    const newFence = { distributionId: 'd1', token: other.lease.token };
    await ledger.writeTx(newFence, tx(1, [1], 'signed'));
    await expect(ledger.writeTx(fence, { ...tx(1, [2], 'signed'), signature: 'stale' })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect((await ledger.transactions('d1')).map((t) => t.signature)).toEqual(['sig0', 'sig1']);
  });

  it('tells a second process who holds a live lease', async () => {
    const second = await ledger.acquireLease('d1', { instance: 'b', host: 'other-host', pid: 77 }, 60_000);
    expect(second).toMatchObject({ acquired: false, lease: { holder: { host: 'h', pid: 1 }, token: fence.token } });
  });

  it('never overwrites an existing plan id', async () => {
    const p = plan('p2', 5n);
    const record = { id: 'p2', state: 'previewed' as const, createdBy: p.createdBy, createdAt: 0, round: 0 };
    expect(await ledger.createPlan(p, record, 60_000)).toBe(true);
    expect(await ledger.createPlan(plan('p2', 9n), record, 60_000)).toBe(false);
    expect((await ledger.getPlan('p2'))?.total).toBe(5n);
  });

  it('indexes distributions added by two writers at once without losing one', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((id, i) => ledger.addToIndex(id, 1000 + i)));
    expect(await ledger.distributionIds()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps plan amounts exact through the store, beyond 2^53', async () => {
    const big = 2n ** 60n + 7n;
    const p = plan('p1', big);
    await ledger.createPlan(p, { id: 'p1', state: 'previewed', createdBy: p.createdBy, createdAt: 0, round: 0 }, 60_000);
    const stored = await ledger.getPlan('p1');
    expect(stored?.total).toBe(big);
    expect(stored?.recipients.amount(0)).toBe(big);
  });
});

function plan(id: string, total: bigint): Plan {
  return {
    id,
    network: 'localnet',
    baseMint: 'm',
    snapshotSlot: 1,
    reward: { kind: 'sol', decimals: 9, symbol: 'SOL' },
    mode: 'proportional',
    total,
    recipients: RecipientTable.fromRecipients([{ owner: 'So11111111111111111111111111111111111111112', amount: total, holding: total, offCurve: false, needsAccount: true }]),
    estimatedFeeLamports: 5000n,
    estimatedRentLamports: 0n,
    createdBy: { platform: 'test', userId: 'u' },
    createdAt: 0,
    expiresAt: 1,
  };
}
