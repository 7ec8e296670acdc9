/**
 * PROTOTYPE of a change proposed for src/engine/tx-builder.ts (see RESULTS.md, "Make it fast").
 *
 * TransferBuilder.build() checks each candidate recipient by assembling and serializing the whole
 * transaction again (`size()`), so packing n recipients compiles n messages, and web3.js's
 * compileMessage base58-encodes every account key each time: 9 compiles of ~40 keys per
 * transaction. This version keeps the same packing rules (64 keys, 1.4M CU, 1,232 bytes, each
 * recipient's instructions adjacent) but counts the message size as it goes, from the legacy
 * wire format, and caches base58 strings. The transactions it signs are byte for
 * byte those of TransferBuilder (checked by the tx-build benchmark on every run).
 *
 * `installFastBuilder()` swaps it into TransferBuilder.prototype in this process only, so the
 * engine benchmark can show the end-to-end effect without touching src/.
 */
import bs58 from 'bs58';
import { ComputeBudgetProgram, PACKET_DATA_SIZE, PublicKey, type TransactionInstruction } from '@solana/web3.js';
import type { PlannedRecipient } from '../../src/engine/ledger.js';
import { TransferBuilder, type BuiltTransaction } from '../../src/engine/tx-builder.js';

const MAX_ACCOUNTS = 64;
const MAX_CU_PER_TX = 1_400_000;
const SIGNATURE_BYTES = 64;
const HEADER_BYTES = 3;
const BLOCKHASH_BYTES = 32;

/** Bytes of Solana's compact-u16 length prefix. */
function compactLen(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

/** Serialized bytes of one compiled instruction: program index, account indexes, data. */
function instructionBytes(ix: TransactionInstruction): number {
  return 1 + compactLen(ix.keys.length) + ix.keys.length + compactLen(ix.data.length) + ix.data.length;
}

const base58 = new WeakMap<PublicKey, string>();
function keyString(key: PublicKey): string {
  let s = base58.get(key);
  if (s === undefined) base58.set(key, (s = key.toBase58()));
  return s;
}

interface Part {
  index: number;
  ixs: TransactionInstruction[];
  cu: number;
}

/** The private members of TransferBuilder this prototype reads (TypeScript-private, plain properties at run time). */
interface BuilderInternals {
  opts: { payer: { publicKey: PublicKey }; computeUnitPrice: number; maxRecipients: number | null };
  instructionsFor(index: number, r: PlannedRecipient): Part;
  budgetInstructions(cu: number): TransactionInstruction[];
  assemble(parts: Part[], cu: number, blockhash: string, lastValidBlockHeight: number): import('@solana/web3.js').Transaction;
}

const CU_BASE = 2_000;

export function fastBuild(
  this: TransferBuilder,
  queue: readonly number[],
  recipients: readonly PlannedRecipient[],
  blockhash: string,
  lastValidBlockHeight: number,
  limit?: number,
): BuiltTransaction {
  const self = this as unknown as BuilderInternals;
  const cap = Math.min(limit ?? Infinity, self.opts.maxRecipients ?? Infinity, queue.length);
  const budget = self.budgetInstructions(CU_BASE);
  const keys = new Set<string>([keyString(self.opts.payer.publicKey), keyString(ComputeBudgetProgram.programId)]);
  let ixCount = budget.length;
  let ixBytes = budget.reduce((sum, ix) => sum + instructionBytes(ix), 0);
  const parts: Part[] = [];
  let cu = CU_BASE;
  for (let k = 0; k < cap; k++) {
    const index = queue[k] as number;
    const part = self.instructionsFor(index, recipients[index] as PlannedRecipient);
    const added: string[] = [];
    for (const ix of part.ixs) {
      for (const key of [ix.programId, ...ix.keys.map((m) => m.pubkey)]) {
        const s = keyString(key);
        if (!keys.has(s) && !added.includes(s)) added.push(s);
      }
    }
    const keyCount = keys.size + added.length;
    const partIxBytes = part.ixs.reduce((sum, ix) => sum + instructionBytes(ix), 0);
    const size =
      compactLen(1) + SIGNATURE_BYTES + HEADER_BYTES + compactLen(keyCount) + 32 * keyCount + BLOCKHASH_BYTES +
      compactLen(ixCount + part.ixs.length) + ixBytes + partIxBytes;
    if (parts.length > 0 && (keyCount > MAX_ACCOUNTS || cu + part.cu > MAX_CU_PER_TX || size > PACKET_DATA_SIZE)) break;
    parts.push(part);
    cu += part.cu;
    for (const s of added) keys.add(s);
    ixCount += part.ixs.length;
    ixBytes += partIxBytes;
  }
  const tx = self.assemble(parts, cu, blockhash, lastValidBlockHeight);
  tx.sign(self.opts.payer as unknown as import('@solana/web3.js').Signer);
  // Built as a variable, not returned as a literal: BuiltTransaction gains `wire` and `signature` in a
  // change under way in src/, and this must compile against both shapes.
  const built = {
    tx,
    wire: tx.serialize(),
    signature: bs58.encode(tx.signature as Buffer),
    recipients: parts.map((p) => p.index),
    instructionOwner: [...Array<number>(budget.length).fill(-1), ...parts.flatMap((p) => p.ixs.map(() => p.index))],
    computeUnitLimit: cu,
  };
  return built as unknown as BuiltTransaction;
}

/**
 * Whether src's TransferBuilder is still the one this prototype replaces (it serializes to measure
 * size and has the private helpers used above). Once src counts sizes itself, the prototype has
 * nothing left to show and the benchmark skips it.
 */
export function prototypeApplicable(): boolean {
  const proto = TransferBuilder.prototype as unknown as Record<string, unknown>;
  return ['size', 'assemble', 'budgetInstructions', 'instructionsFor'].every((name) => typeof proto[name] === 'function');
}

let original: TransferBuilder['build'] | null = null;

/** Makes every TransferBuilder in this process use fastBuild; returns a function that undoes it. */
export function installFastBuilder(): () => void {
  original ??= TransferBuilder.prototype.build;
  TransferBuilder.prototype.build = fastBuild;
  return () => {
    if (original) TransferBuilder.prototype.build = original;
  };
}
