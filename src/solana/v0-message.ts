import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import { accountMetas, compactU16, messageParts, type AccountMeta } from './legacy-message.js';

/** An address lookup table as a message references it: its address and the addresses it holds, in order. */
export interface LookupTableContents {
  key: PublicKey;
  addresses: readonly PublicKey[];
}

/** Where a key is found in a set of lookup tables: the first table that holds it, and its position there. */
export class LookupTableIndex {
  private readonly where = new Map<string, { table: number; index: number }>();

  constructor(readonly tables: readonly LookupTableContents[]) {
    tables.forEach((t, table) => {
      // A table holds at most 256 addresses: a message names them with one byte.
      t.addresses.slice(0, 256).forEach((address, index) => {
        const id = address.toBuffer().toString('latin1');
        if (!this.where.has(id)) this.where.set(id, { table, index });
      });
    });
  }

  /** The table and position of `key`, if a table holds it. */
  find(key: PublicKey): { table: number; index: number } | undefined {
    return this.findBytes(key.toBuffer());
  }

  findBytes(key: Uint8Array): { table: number; index: number } | undefined {
    return this.where.get(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'));
  }

  get size(): number {
    return this.where.size;
  }
}

/**
 * Compiles and serializes a v0 transaction message (the same byte-level compiler as
 * compileLegacyMessage, for the same reason: web3.js encodes keys to base58 many times a message).
 *
 * Keys a lookup table holds are loaded from it (one byte each) unless they sign or are invoked as
 * a program: the runtime requires those in the message itself. The layout is Solana's: the version
 * prefix 0x80, header, static keys (writable signers, read-only signers, writable non-signers,
 * read-only non-signers; fee payer first), recent blockhash, instructions, then the table lookups.
 * Account indexes run over the static keys, then every table's writable loaded keys, then every
 * table's read-only loaded keys.
 */
export function compileV0Message(feePayer: PublicKey, blockhash: string, instructions: readonly TransactionInstruction[], lookups: LookupTableIndex): Buffer {
  type Meta = AccountMeta;
  const metas = accountMetas(feePayer, instructions);
  const payerId = feePayer.toBuffer().toString('latin1');
  const statics: [string, Meta][] = [];
  const loaded = lookups.tables.map(() => ({ writable: [] as { id: string; index: number }[], readonly: [] as { id: string; index: number }[] }));
  for (const entry of metas) {
    const [id, m] = entry;
    const found = !m.signer && !m.invoked ? lookups.findBytes(m.key) : undefined;
    if (!found) {
      statics.push(entry);
      continue;
    }
    const table = loaded[found.table] as (typeof loaded)[number];
    (m.writable ? table.writable : table.readonly).push({ id, index: found.index });
  }
  const rank = (m: Meta) => (m.signer ? (m.writable ? 0 : 1) : m.writable ? 2 : 3);
  statics.sort(([ida, a], [idb, b]) => {
    if (ida === payerId) return -1;
    if (idb === payerId) return 1;
    return rank(a) - rank(b);
  });
  const index = new Map<string, number>(statics.map(([id], i) => [id, i]));
  let next = statics.length;
  for (const t of loaded) for (const k of t.writable) index.set(k.id, next++);
  for (const t of loaded) for (const k of t.readonly) index.set(k.id, next++);
  const accounts = statics.map(([, m]) => m);
  const used = lookups.tables.flatMap((t, i) => {
    const l = loaded[i] as (typeof loaded)[number];
    return l.writable.length + l.readonly.length > 0 ? [{ key: t.key, ...l }] : [];
  });

  const parts = messageParts([0x80], accounts, index, blockhash, instructions);
  parts.push(compactU16(used.length));
  for (const t of used) {
    parts.push(
      t.key.toBuffer(),
      compactU16(t.writable.length),
      Buffer.from(t.writable.map((k) => k.index)),
      compactU16(t.readonly.length),
      Buffer.from(t.readonly.map((k) => k.index)),
    );
  }
  return Buffer.concat(parts);
}
