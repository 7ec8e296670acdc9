import { describe, expect, it } from 'vitest';
import Keyv from 'keyv';
import { Ledger, type TxRecord } from '../src/engine/ledger.js';
import { owedRecipients, recipientStates } from '../src/engine/owed.js';
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
    const { states } = recipientStates(3, [], new Map());
    expect(owedRecipients(states)).toEqual([0, 1, 2]);
  });

  it('a recipient in a signed, unsettled transaction is in flight and not owed: it may not be signed again', () => {
    const { states } = recipientStates(3, [tx(0, [0, 1], 'signed')], new Map());
    expect(states.map((s) => s.status)).toEqual(['in-flight', 'in-flight', 'pending']);
    expect(owedRecipients(states)).toEqual([2]);
  });

  it('a confirmed transaction pays its recipients, with its signature', () => {
    const { states } = recipientStates(2, [tx(0, [1], 'confirmed')], new Map());
    expect(states[1]).toEqual({ status: 'paid', signature: 'sig0' });
  });

  it('an expired transaction gives its recipients back to be signed anew', () => {
    const { states } = recipientStates(2, [tx(0, [0, 1], 'expired')], new Map());
    expect(owedRecipients(states)).toEqual([0, 1]);
  });

  it('a failed transaction pays nobody; a recorded failure ends the recipient as failed with the reason', () => {
    const failures = new Map([[0, { reason: 'instruction 2 failed: {"Custom":17}', at: 0, round: 0, signature: 'sig1' }]]);
    const { states } = recipientStates(2, [tx(0, [0, 1], 'failed'), tx(1, [0], 'failed')], failures);
    expect(states[0]).toEqual({ status: 'failed', reason: 'instruction 2 failed: {"Custom":17}', signature: 'sig1' });
    expect(states[1]?.status).toBe('pending');
  });

  it('a recipient paid by a later transaction is paid even if an earlier one failed or expired', () => {
    const { states, paidTwice } = recipientStates(1, [tx(0, [0], 'expired'), tx(1, [0], 'failed'), tx(2, [0], 'confirmed')], new Map());
    expect(states[0]).toEqual({ status: 'paid', signature: 'sig2' });
    expect(paidTwice).toEqual([]);
  });

  it('two confirmed transactions for one recipient are reported as a double payment', () => {
    expect(recipientStates(1, [tx(0, [0], 'confirmed'), tx(1, [0], 'confirmed')], new Map()).paidTwice).toEqual([0]);
  });
});

describe('settling a broadcast transaction', () => {
  const record = { lastValidBlockHeight: 100 };

  it('is confirmed when the chain reports it confirmed without error', () => {
    expect(settle(record, { slot: 5, confirmations: 1, err: null, confirmationStatus: 'confirmed' }, null)).toEqual({ outcome: 'confirmed', slot: 5 });
  });

  it('is failed when it landed with an error', () => {
    const err = { InstructionError: [1, { Custom: 1 }] };
    expect(settle(record, { slot: 5, confirmations: 1, err, confirmationStatus: 'confirmed' }, null)).toEqual({ outcome: 'failed', error: err, slot: 5 });
  });

  it('stays unknown while only processed: a fork could still drop it', () => {
    expect(settle(record, { slot: 5, confirmations: 0, err: null, confirmationStatus: 'processed' }, 200).outcome).toBe('unknown');
  });

  it('stays unknown while not found and the block height has not passed lastValidBlockHeight', () => {
    expect(settle(record, null, 100).outcome).toBe('unknown');
    expect(settle(record, null, null).outcome).toBe('unknown');
  });

  it('expires only when not found after the chain passed lastValidBlockHeight', () => {
    expect(settle(record, null, 101).outcome).toBe('expired');
  });
});

describe('ledger storage', () => {
  it('finds every transaction record, including one written past a page boundary', async () => {
    const ledger = new Ledger(new Keyv());
    for (let seq = 0; seq < 300; seq++) await ledger.writeTx('d1', tx(seq, [seq], 'signed'));
    const all = await ledger.transactions('d1');
    expect(all.map((t) => t.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('keeps plan amounts exact through the store, beyond 2^53', async () => {
    const ledger = new Ledger(new Keyv());
    const big = 2n ** 60n + 7n;
    await ledger.savePlan({
      id: 'p1',
      network: 'localnet',
      baseMint: 'm',
      snapshotSlot: 1,
      reward: { kind: 'sol', decimals: 9, symbol: 'SOL' },
      mode: 'proportional',
      total: big,
      recipients: [{ owner: 'o', amount: big, holding: big, offCurve: false, needsAccount: true }],
      estimatedFeeLamports: 5000n,
      estimatedRentLamports: 0n,
      createdBy: { platform: 'test', userId: 'u' },
      createdAt: 0,
      expiresAt: 1,
    });
    const plan = await ledger.getPlan('p1');
    expect(plan?.total).toBe(big);
    expect(plan?.recipients[0]?.amount).toBe(big);
  });
});
