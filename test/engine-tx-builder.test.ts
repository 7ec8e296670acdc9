import { describe, expect, it } from 'vitest';
import bs58 from 'bs58';
import { Keypair, PACKET_DATA_SIZE, Transaction } from '@solana/web3.js';
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { TransferBuilder } from '../src/engine/tx-builder.js';
import { RecipientTable } from '../src/engine/recipient-table.js';
import type { RewardAsset } from '../src/engine/types.js';

const payer = Keypair.generate();
const blockhash = Keypair.generate().publicKey.toBase58();
const recipients = (n: number, needsAccount: boolean): RecipientTable =>
  RecipientTable.fromRecipients(
    Array.from({ length: n }, (_, i) => ({ owner: Keypair.generate().publicKey.toBase58(), amount: BigInt(1000 + i), holding: 1n, offCurve: false, needsAccount })),
  );

const spl: RewardAsset = { kind: 'spl', mint: Keypair.generate().publicKey.toBase58(), program: 'spl-token', programId: TOKEN_PROGRAM_ID.toBase58(), decimals: 6, symbol: 'RWD' };
const spl2022: RewardAsset = { ...spl, program: 'spl-token-2022', programId: TOKEN_2022_PROGRAM_ID.toBase58() };
const sol: RewardAsset = { kind: 'sol', decimals: 9, symbol: 'SOL' };

describe('packing transfers into transactions', () => {
  // With account creation the instruction trace (64) binds before the bytes: each recipient runs
  // its create, up to 6 inner instructions of it, and its transfer (8), beside 1-2 budget instructions.
  it('fits as many transfers with account creation as the 64-instruction trace allows, counting 6 inner instructions a create', () => {
    for (const reward of [spl, spl2022]) {
      for (const price of [0, 5000]) {
        const builder = new TransferBuilder({ payer, reward, computeUnitPrice: price, maxRecipients: null });
        const list = recipients(40, true);
        const built = builder.build(
          Array.from({ length: list.length }, (_, i) => i),
          list,
          blockhash,
        );
        expect(built.wire.length).toBeLessThanOrEqual(PACKET_DATA_SIZE);
        const budget = price > 0 ? 2 : 1;
        expect(built.recipients.length).toBe(Math.floor((64 - budget) / 8));
      }
    }
  });

  for (const [name, reward, needsAccount, expected] of [
    ['SPL to existing accounts', spl, false, [17, 20]],
    ['SOL', sol, false, [18, 22]],
  ] as const) {
    it(`fits as many ${name} transfers as the 1,232-byte limit allows, and every transaction serializes within it`, () => {
      for (const price of [0, 5000]) {
        const builder = new TransferBuilder({ payer, reward, computeUnitPrice: price, maxRecipients: null });
        const list = recipients(40, needsAccount);
        const built = builder.build(
          Array.from({ length: list.length }, (_, i) => i),
          list,
          blockhash,
        );
        expect(built.wire.length).toBeLessThanOrEqual(PACKET_DATA_SIZE);
        expect(built.recipients.length).toBeGreaterThanOrEqual(expected[0]);
        expect(built.recipients.length).toBeLessThanOrEqual(expected[1]);
        // One more recipient would not fit: the packing is as tight as compiling each candidate says.
        const more = new Transaction({ feePayer: payer.publicKey, blockhash, lastValidBlockHeight: 100 }).add(...built.instructions);
        const next = builder.build([built.recipients.length], list, blockhash, 1);
        more.add(...next.instructions.slice(price > 0 ? 2 : 1));
        expect(1 + 64 + more.serializeMessage().length).toBeGreaterThan(PACKET_DATA_SIZE);
      }
    });
  }

  it('never takes more than the configured maximum, and always takes at least one', () => {
    const list = recipients(10, true);
    const capped = new TransferBuilder({ payer, reward: spl, computeUnitPrice: 0, maxRecipients: 3 });
    expect(capped.build([0, 1, 2, 3, 4], list, blockhash).recipients).toEqual([0, 1, 2]);
    const one = new TransferBuilder({ payer, reward: spl, computeUnitPrice: 0, maxRecipients: 1 });
    expect(one.build([7], list, blockhash).recipients).toEqual([7]);
  });

  it('records which recipient each instruction pays, so a failing instruction names its recipient', () => {
    const list = recipients(4, true);
    const builder = new TransferBuilder({ payer, reward: spl, computeUnitPrice: 1000, maxRecipients: null });
    const built = builder.build([2, 0, 3], list, blockhash);
    expect(built.instructionOwner).toEqual([-1, -1, 2, 2, 0, 0, 3, 3]);
    expect(built.instructions).toHaveLength(built.instructionOwner.length);
  });
});

describe('signing', () => {
  for (const [name, reward] of [
    ['SPL', spl],
    ['SOL', sol],
  ] as const) {
    it(`produces a ${name} transaction web3.js reads back as the same instructions, with a signature that verifies`, () => {
      const list = recipients(5, true);
      const builder = new TransferBuilder({ payer, reward, computeUnitPrice: 1234, maxRecipients: null });
      const built = builder.build([0, 1, 2, 3, 4], list, blockhash);
      const decoded = Transaction.from(built.wire);
      expect(decoded.verifySignatures()).toBe(true);
      expect(bs58.encode(decoded.signature as Buffer)).toBe(built.signature);
      expect(decoded.feePayer?.equals(payer.publicKey)).toBe(true);
      expect(decoded.recentBlockhash).toBe(blockhash);
      const shape = (ixs: readonly { programId: { toBase58(): string }; keys: { pubkey: { toBase58(): string }; isSigner: boolean; isWritable: boolean }[]; data: Buffer }[]) =>
        ixs.map((ix) => ({
          program: ix.programId.toBase58(),
          keys: ix.keys.map((k) => `${k.pubkey.toBase58()}:${k.isSigner}:${k.isWritable}`),
          data: ix.data.toString('hex'),
        }));
      // web3.js's own compilation of the same instructions reads back identically (flags merged per account).
      const reference = new Transaction({ feePayer: payer.publicKey, blockhash, lastValidBlockHeight: 0 }).add(...built.instructions);
      reference.sign(payer);
      expect(shape(decoded.instructions)).toEqual(shape(Transaction.from(reference.serialize()).instructions));
      expect(built.wire.length).toBe(reference.serialize().length);
    });
  }
});
