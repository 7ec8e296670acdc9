import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import bs58 from 'bs58';

/**
 * Compiles and serializes a legacy transaction message without web3.js's Transaction: its compiler
 * turns every key into base58 several times per message, which made building a transaction cost
 * more than signing and sending it. Keys here are compared as raw bytes.
 *
 * The layout is Solana's: header (required signatures, read-only signed, read-only unsigned),
 * compact-array of keys (writable signers, read-only signers, writable non-signers, read-only
 * non-signers; fee payer first), recent blockhash, compact-array of instructions.
 */
export function compileLegacyMessage(feePayer: PublicKey, blockhash: string, instructions: readonly TransactionInstruction[]): Buffer {
  type Meta = AccountMeta;
  const metas = accountMetas(feePayer, instructions);
  const payerId = feePayer.toBuffer().toString('latin1');
  const rank = (m: Meta) => (m.signer ? (m.writable ? 0 : 1) : m.writable ? 2 : 3);
  const ordered = [...metas.entries()].sort(([ida, a], [idb, b]) => {
    if (ida === payerId) return -1;
    if (idb === payerId) return 1;
    return rank(a) - rank(b);
  });
  const index = new Map(ordered.map(([id], i) => [id, i]));
  return Buffer.concat(
    messageParts(
      [],
      ordered.map(([, m]) => m),
      index,
      blockhash,
      instructions,
    ),
  );
}

/** A key as a message names it: its bytes, whether it signs, is written, or is invoked as a program. */
export interface AccountMeta {
  key: Buffer;
  signer: boolean;
  writable: boolean;
  invoked: boolean;
}

/** Every key the instructions name, the fee payer first, by their bytes as latin1, flags merged. */
export function accountMetas(feePayer: PublicKey, instructions: readonly TransactionInstruction[]): Map<string, AccountMeta> {
  const metas = new Map<string, AccountMeta>();
  const note = (key: PublicKey, signer: boolean, writable: boolean, invoked: boolean): void => {
    const bytes = key.toBuffer();
    const id = bytes.toString('latin1');
    const meta = metas.get(id);
    if (meta) {
      meta.signer ||= signer;
      meta.writable ||= writable;
      meta.invoked ||= invoked;
    } else {
      metas.set(id, { key: bytes, signer, writable, invoked });
    }
  };
  note(feePayer, true, true, false);
  for (const ix of instructions) {
    for (const m of ix.keys) note(m.pubkey, m.isSigner, m.isWritable, false);
    note(ix.programId, false, false, true);
  }
  return metas;
}

/**
 * A message up to its instructions, as legacy and v0 share it: `prefix` (v0's version byte),
 * header, static keys, blockhash, instructions with their account indexes from `index` (keyed by
 * the key's bytes as latin1).
 */
export function messageParts(
  prefix: number[],
  accounts: readonly { key: Buffer; signer: boolean; writable: boolean }[],
  index: ReadonlyMap<string, number>,
  blockhash: string,
  instructions: readonly TransactionInstruction[],
): Buffer[] {
  const parts: Buffer[] = [
    Buffer.from([
      ...prefix,
      accounts.filter((m) => m.signer).length,
      accounts.filter((m) => m.signer && !m.writable).length,
      accounts.filter((m) => !m.signer && !m.writable).length,
    ]),
    compactU16(accounts.length),
    ...accounts.map((m) => m.key),
    Buffer.from(bs58.decode(blockhash)),
    compactU16(instructions.length),
  ];
  for (const ix of instructions) {
    parts.push(
      Buffer.from([index.get(ix.programId.toBuffer().toString('latin1')) as number]),
      compactU16(ix.keys.length),
      Buffer.from(ix.keys.map((m) => index.get(m.pubkey.toBuffer().toString('latin1')) as number)),
      compactU16(ix.data.length),
      ix.data,
    );
  }
  return parts;
}

/** A transaction with one signature on the wire: compact-array of signatures, then the message. */
export function singleSignerWire(signature: Uint8Array, message: Buffer): Buffer {
  return Buffer.concat([compactU16(1), Buffer.from(signature), message]);
}

/** Solana's compact-u16: 7 bits a byte, high bit set while more follow. */
export function compactU16(n: number): Buffer {
  const out: number[] = [];
  let rest = n;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    if (rest === 0) {
      out.push(low);
      return Buffer.from(out);
    }
    out.push(low | 0x80);
  }
}
