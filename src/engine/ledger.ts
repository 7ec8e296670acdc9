import { msg, type Message } from '../i18n/message.js';
import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import { entries } from '../store/iterate.js';
import type { Store } from '../store/open.js';
import type { AtomicOps, FencedEntry, Lease, LeaseAttempt, LeaseHolder } from '../store/atomic.js';
import { TributaryError } from './errors.js';
import type { DistributionState } from './events.js';
import { RecipientTable } from './recipient-table.js';
import type { DistributionMode, RewardAsset } from './types.js';
import { turn } from './work.js';

/** Who did something, as the audit log and the records name them. */
export interface Actor {
  platform: string;
  userId: string;
  name?: string;
}

/** One recipient as an object: what RecipientTable.get gives for a recipient someone looks at. */
export interface PlannedRecipient {
  owner: string;
  amount: bigint;
  holding: bigint;
  offCurve: boolean;
  /** The recipient's token account did not exist at preview: its transfer carries an idempotent create. */
  needsAccount: boolean;
}

/** Why a plan cannot be confirmed as it is: the preview already knows its transfers would fail. */
export interface PlanBlocker {
  /** `simulation-failed`: the first transaction fails in simulation. `below-rent-exemption`: SOL shares to new wallets below the rent-exempt minimum. */
  code: 'simulation-failed' | 'below-rent-exemption';
  /** Recipients or transactions concerned. */
  count: number;
  /** The simulation's error (the chain's JSON), or the lamports a new wallet must receive at least. */
  detail: string;
}

/** A plan as shown to the operator. Immutable once confirmed: the plan id is the distribution id. */
export interface Plan {
  id: string;
  network: string;
  baseMint: string;
  snapshotSlot: number;
  reward: RewardAsset;
  mode: DistributionMode;
  total: bigint;
  /** Largest share first. Compact (recipient-table.ts); stored in chunks (see Ledger). */
  recipients: RecipientTable;
  /** Lamports the run is expected to spend on fees and new-account rent. */
  estimatedFeeLamports: bigint;
  estimatedRentLamports: bigint;
  /** SOL the distributor keeps back for its own rent and extra fees (preview.ts payerReserve); absent on old plans. */
  reserveLamports?: bigint;
  /** Set when the plan cannot be confirmed as it is. */
  blockers?: PlanBlocker[];
  createdBy: Actor;
  createdAt: number;
  expiresAt: number;
}

export interface DistributionRecord {
  id: string;
  state: DistributionState;
  createdBy: Actor;
  confirmedBy?: Actor;
  createdAt: number;
  confirmedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Why the run is paused (an operator, or the engine itself when funds ran out); a string in records older than the catalogue. */
  pauseReason?: Message | string;
  /**
   * `evidence`: the engine paused itself because the chain could not yet say what became of some
   * transactions; it resumes by itself, after a restart too, once it can.
   */
  pauseCode?: 'operator' | 'distributor' | 'evidence';
  /** An operator asked to stop; written first so a restart in between does not send again. */
  stopRequested?: 'pause' | 'cancel';
  /** Incremented by retry-failed: failures of earlier rounds are kept for the record. */
  round: number;
}

export type TxStatus = 'signed' | 'confirmed' | 'failed' | 'expired';

/** The unit written ahead: a signed transaction, stored before it is broadcast. */
export interface TxRecord {
  seq: number;
  signature: string;
  /** Indexes into the plan's recipients. */
  recipients: number[];
  lastValidBlockHeight: number;
  /** Slot of the bank its blockhash was read from: it cannot have landed before it. Absent on older records. */
  signedSlot?: number;
  /** Wire bytes (base64), so an unsettled transaction can be broadcast again after a restart. */
  wire: string;
  status: TxStatus;
  error?: string;
  slot?: number;
  signedAt: number;
  settledAt?: number;
}

/**
 * The reason recorded for a recipient a cancel left unpaid. Reasons are data (the ledger and the CSV
 * report keep them as recorded, beside the chain's error texts: docs/i18n.md), not chat text.
 */
export const CANCELLED_BEFORE_SENT = 'cancelled before it was sent';

export interface RecipientFailure {
  reason: string;
  at: number;
  round: number;
  signature?: string;
}

/** Serialised forms: amounts travel as decimal strings so no store serializer can turn them into floats. */
type Stored<T> = T extends bigint ? string : T extends (infer U)[] ? Stored<U>[] : T extends object ? { [K in keyof T]: Stored<T[K]> } : T;

/** A plan as written before chunked storage: one value with every recipient in it. Still read. */
type StoredWholePlan = Stored<Omit<Plan, 'recipients'>> & { recipients: Stored<PlannedRecipient>[] };

/**
 * A plan's header: everything but the recipients, which are in `chunks` values of at most
 * `chunkSize` recipients each (RecipientTable.encodeChunk), under planChunkKey(id, n).
 */
type StoredPlanHeader = Stored<Omit<Plan, 'recipients'>> & {
  format: 'chunked';
  recipientCount: number;
  chunkSize: number;
  chunks: number;
  /** SHA-256 (hex) of the chunks' bytes in order: a plan is read back exactly as written, or not at all. */
  digest: string;
};

/** Recipients per stored chunk: ~800 KB of bytes (~1 MB as base64 JSON), one store call each. */
export const PLAN_CHUNK_RECIPIENTS = 16_384;

const TX_PAGE = 256;

/** The lease of one distribution and its token: every write of the run that holds it names both. */
export interface Fence {
  distributionId: string;
  token: number;
}

/** One atomic change to a distribution's records; what is absent is left as it is. */
export interface LedgerChange {
  distribution?: DistributionRecord;
  /** A confirmed plan, kept without expiry. */
  plan?: Plan;
  tx?: TxRecord;
  failures?: Map<number, RecipientFailure>;
}

/**
 * The distribution ledger: plans, distribution records, the write-ahead transaction log and
 * recipient failures, in one store namespace, and the index of confirmed distributions in another.
 * Nothing else reads or writes these keys.
 *
 * Every change to a confirmed distribution is fenced (docs/invariants.md invariant 3b): it names the lease
 * of the distribution and its token, and the store refuses it unless that token holds the live
 * lease. A process that lost its lease cannot record a transaction, so it cannot broadcast one.
 */
export class Ledger {
  constructor(
    private readonly kv: Keyv,
    private readonly atomic: AtomicOps,
    private readonly index: { kv: Keyv; atomic: AtomicOps },
  ) {}

  /**
   * Writes a new plan and its `previewed` record; never overwrites an existing id. The recipients
   * go first, one chunk per store call with a turn of the event loop between them, each only if
   * its key is free; the header, written last and only if absent, is the commit point. Chunks
   * left by an attempt that did not commit (a crash, a taken id) expire with their time to live.
   */
  async createPlan(plan: Plan, record: DistributionRecord, ttlMs: number): Promise<boolean> {
    // A preview's chunks live twice as long as its header, which is written after them: a reader
    // that finds the header finds every chunk, as long as writing them took less than the header's life.
    const started = Date.now();
    const chunkTtl = 2 * ttlMs;
    let digest = '';
    for await (const chunk of planChunks(plan.recipients)) {
      if (chunk.digest !== undefined) digest = chunk.digest;
      else if (!(await this.atomic.setIfAbsent(planChunkKey(plan.id, chunk.index), chunk.bytes, chunkTtl))) return false;
    }
    if (Date.now() - started >= ttlMs) throw new Error(`writing plan ${plan.id} took longer than the ${ttlMs} ms it is kept: not committed`);
    if (!(await this.atomic.setIfAbsent(`plan:${plan.id}`, planHeader(plan, digest), ttlMs))) return false;
    return this.atomic.setIfAbsent(`dist:${record.id}`, record);
  }

  /**
   * The plan under `id`, its recipients read chunk by chunk (a turn of the event loop between
   * them), or undefined. A plan whose chunks do not add up to what its header says is an error,
   * never a shorter plan.
   */
  async getPlan(id: string): Promise<Plan | undefined> {
    const stored = (await this.kv.get(`plan:${id}`)) as StoredPlanHeader | StoredWholePlan | undefined;
    if (!stored) return undefined;
    if (!isChunked(stored)) return fromStoredWholePlan(stored);
    const recipients = RecipientTable.empty(stored.recipientCount);
    const hash = createHash('sha256');
    let filled = 0;
    for (let n = 0; n < stored.chunks; n++) {
      const bytes = (await this.kv.get(planChunkKey(id, n))) as Uint8Array | undefined;
      if (!(bytes instanceof Uint8Array)) throw new Error(`plan ${id} is incomplete in the store: chunk ${n} of ${stored.chunks} is missing`);
      hash.update(bytes);
      filled += recipients.decodeChunk(filled, bytes);
    }
    if (filled !== stored.recipientCount || hash.digest('hex') !== stored.digest) {
      throw new Error(`plan ${id} in the store does not match its header (${filled} of ${stored.recipientCount} recipients read, or a chunk changed)`);
    }
    return { ...fromStoredHeader(planFields(stored)), recipients };
  }

  /** A plan without its recipients (totals, reward, count): what the guards and lists need, one read. */
  async getPlanSummary(id: string): Promise<(Omit<Plan, 'recipients'> & { recipientCount: number }) | undefined> {
    const stored = (await this.kv.get(`plan:${id}`)) as StoredPlanHeader | StoredWholePlan | undefined;
    if (!stored) return undefined;
    if (!isChunked(stored)) {
      const { recipients, ...rest } = stored;
      return { ...fromStoredHeader(rest), recipientCount: recipients.length };
    }
    return { ...fromStoredHeader(planFields(stored)), recipientCount: stored.recipientCount };
  }

  async getDistribution(id: string): Promise<DistributionRecord | undefined> {
    return (await this.kv.get(`dist:${id}`)) as DistributionRecord | undefined;
  }

  /** Ids of confirmed distributions, oldest first. */
  async distributionIds(): Promise<string[]> {
    const found: { id: string; at: number }[] = [];
    for await (const [key, value] of entries<{ at: number }>(this.index.kv)) found.push({ id: key.replace(/^d:/, ''), at: value.at });
    found.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    // Stores written before the index had a key per distribution kept one list.
    const legacy = ((await this.kv.get('index:distributions')) as string[] | undefined) ?? [];
    const listed = new Set(found.map((f) => f.id));
    return [...legacy.filter((id) => !listed.has(id)), ...found.map((f) => f.id)];
  }

  /** One key per distribution: two processes adding at once cannot lose each other's entry. */
  async addToIndex(id: string, at: number): Promise<void> {
    await this.index.atomic.setIfAbsent(`d:${id}`, { at });
  }

  /**
   * Writes every part of `change` in one atomic step, or nothing if `fence` no longer holds the lease.
   *
   * A plan (at confirm) is kept without expiry: its chunks first, one fenced write each, then its
   * header in the atomic step with the rest. A crash in between leaves the chunks kept and the
   * record as it was (not confirmed), so a confirmed distribution never has chunks that expire.
   */
  async write(fence: Fence, change: LedgerChange): Promise<void> {
    const id = fence.distributionId;
    const entries: FencedEntry[] = [];
    if (change.plan) {
      if (change.plan.id !== id) throw new Error(`plan ${change.plan.id} cannot be written under the lease of ${id}`);
      let digest = '';
      for await (const chunk of planChunks(change.plan.recipients)) {
        if (chunk.digest !== undefined) digest = chunk.digest;
        else await this.fenced(fence, [{ key: planChunkKey(id, chunk.index), value: chunk.bytes }]);
      }
      entries.push({ key: `plan:${id}`, value: planHeader(change.plan, digest) });
    }
    if (change.distribution) entries.push({ key: `dist:${id}`, value: change.distribution });
    if (change.tx) entries.push({ key: `tx:${id}:${change.tx.seq}`, value: change.tx });
    if (change.failures) entries.push({ key: `fail:${id}`, value: [...change.failures] });
    await this.fenced(fence, entries);
  }

  private async fenced(fence: Fence, entries: FencedEntry[]): Promise<void> {
    const id = fence.distributionId;
    if (!(await this.atomic.fencedSet(leaseKey(id), fence.token, entries))) {
      throw new TributaryError('LEASE_LOST', msg('err.leaseLost', { id }), {
        details: { id, token: fence.token },
      });
    }
  }

  /** Written before the transaction is broadcast (docs/invariants.md invariant 3). */
  async writeTx(fence: Fence, tx: TxRecord): Promise<void> {
    await this.write(fence, { tx });
  }

  /**
   * Every transaction record of a distribution. Sequence numbers are dense, so reading pages until
   * a gap finds them all, including one written just before a crash.
   */
  async transactions(distributionId: string): Promise<TxRecord[]> {
    const all: TxRecord[] = [];
    for (let start = 0; ; start += TX_PAGE) {
      const keys = Array.from({ length: TX_PAGE }, (_, i) => `tx:${distributionId}:${start + i}`);
      const page = (await this.kv.getMany(keys)) as (TxRecord | undefined)[];
      for (const tx of page) {
        if (!tx) return all;
        all.push(tx);
      }
    }
  }

  async failures(distributionId: string): Promise<Map<number, RecipientFailure>> {
    const stored = (await this.kv.get(`fail:${distributionId}`)) as [number, RecipientFailure][] | undefined;
    return new Map(stored ?? []);
  }

  async saveFailures(fence: Fence, failures: Map<number, RecipientFailure>): Promise<void> {
    await this.write(fence, { failures });
  }

  acquireLease(id: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAttempt> {
    return this.atomic.acquireLease(leaseKey(id), holder, ttlMs);
  }

  renewLease(fence: Fence, ttlMs: number): Promise<boolean> {
    return this.atomic.renewLease(leaseKey(fence.distributionId), fence.token, ttlMs);
  }

  releaseLease(fence: Fence): Promise<void> {
    return this.atomic.releaseLease(leaseKey(fence.distributionId), fence.token);
  }

  readLease(id: string): Promise<Lease | null> {
    return this.atomic.readLease(leaseKey(id));
  }
}

/** The ledger of a store: its two namespaces and their atomic operations. */
export function ledgerOf(store: Pick<Store, 'ns' | 'atomic'>): Ledger {
  return new Ledger(store.ns('ledger'), store.atomic('ledger'), { kv: store.ns('ledger-index'), atomic: store.atomic('ledger-index') });
}

function leaseKey(id: string): string {
  return `lease:${id}`;
}

/** The key of chunk `n` of plan `id`'s recipients. */
export function planChunkKey(id: string, n: number): string {
  return `plan:${id}:r${n}`;
}

/**
 * A plan's recipients as stored chunks, each yielded after a turn of the event loop, then one
 * last item with the SHA-256 of them all.
 */
async function* planChunks(recipients: RecipientTable): AsyncGenerator<{ index: number; bytes: Uint8Array; digest?: undefined } | { digest: string }> {
  const hash = createHash('sha256');
  for (let from = 0, index = 0; from < recipients.length; from += PLAN_CHUNK_RECIPIENTS, index++) {
    await turn();
    const bytes = recipients.encodeChunk(from, Math.min(recipients.length, from + PLAN_CHUNK_RECIPIENTS));
    hash.update(bytes);
    yield { index, bytes };
  }
  yield { digest: hash.digest('hex') };
}

function chunkCount(recipients: number): number {
  return Math.ceil(recipients / PLAN_CHUNK_RECIPIENTS);
}

function planHeader(plan: Plan, digest: string): StoredPlanHeader {
  const { recipients, ...rest } = plan;
  return {
    ...rest,
    total: plan.total.toString(),
    estimatedFeeLamports: plan.estimatedFeeLamports.toString(),
    estimatedRentLamports: plan.estimatedRentLamports.toString(),
    ...(plan.reserveLamports !== undefined ? { reserveLamports: plan.reserveLamports.toString() } : {}),
    format: 'chunked',
    recipientCount: recipients.length,
    chunkSize: PLAN_CHUNK_RECIPIENTS,
    chunks: chunkCount(recipients.length),
    digest,
  } as StoredPlanHeader;
}

/** The plan's own fields of a header, without what locates and checks its chunks. */
function planFields(header: StoredPlanHeader): Stored<Omit<Plan, 'recipients'>> {
  const { format: _, recipientCount: __, chunkSize: ___, chunks: ____, digest: _____, ...plan } = header;
  return plan;
}

function isChunked(stored: StoredPlanHeader | StoredWholePlan): stored is StoredPlanHeader {
  return (stored as StoredPlanHeader).format === 'chunked';
}

function fromStoredHeader(stored: Stored<Omit<Plan, 'recipients'>>): Omit<Plan, 'recipients'> {
  return {
    ...(stored as unknown as Omit<Plan, 'recipients'>),
    total: BigInt(stored.total),
    estimatedFeeLamports: BigInt(stored.estimatedFeeLamports),
    estimatedRentLamports: BigInt(stored.estimatedRentLamports),
    ...(stored.reserveLamports !== undefined ? { reserveLamports: BigInt(stored.reserveLamports) } : {}),
  };
}

/** A plan written as one value, before chunked storage. */
function fromStoredWholePlan(stored: StoredWholePlan): Plan {
  const { recipients, ...rest } = stored;
  return {
    ...fromStoredHeader(rest),
    recipients: RecipientTable.fromRecipients(recipients.map((r) => ({ ...r, amount: BigInt(r.amount), holding: BigInt(r.holding) }))),
  };
}
