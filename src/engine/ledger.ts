import type Keyv from 'keyv';
import { entries } from '../store/iterate.js';
import type { Store } from '../store/open.js';
import type { AtomicOps, FencedEntry, Lease, LeaseAttempt, LeaseHolder } from '../store/atomic.js';
import { TributaryError } from './errors.js';
import type { DistributionState } from './events.js';
import type { DistributionMode, RewardAsset } from './types.js';

/** Who did something, as the audit log and the records name them. */
export interface Actor {
  platform: string;
  userId: string;
  name?: string;
}

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
  /** The simulation's error, or the minimum a new wallet must receive. */
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
  recipients: PlannedRecipient[];
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
  /** Why the run is paused (an operator, or the engine itself when funds ran out). */
  pauseReason?: string;
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

export interface RecipientFailure {
  reason: string;
  at: number;
  round: number;
  signature?: string;
}

/** Serialised forms: amounts travel as decimal strings so no store serializer can turn them into floats. */
type Stored<T> = T extends bigint ? string : T extends (infer U)[] ? Stored<U>[] : T extends object ? { [K in keyof T]: Stored<T[K]> } : T;

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
 * Every change to a confirmed distribution is fenced (DESIGN.md invariant 3b): it names the lease
 * of the distribution and its token, and the store refuses it unless that token holds the live
 * lease. A process that lost its lease cannot record a transaction, so it cannot broadcast one.
 */
export class Ledger {
  constructor(
    private readonly kv: Keyv,
    private readonly atomic: AtomicOps,
    private readonly index: { kv: Keyv; atomic: AtomicOps },
  ) {}

  /** Writes a new plan and its `previewed` record; never overwrites an existing id. */
  async createPlan(plan: Plan, record: DistributionRecord, ttlMs: number): Promise<boolean> {
    if (!(await this.atomic.setIfAbsent(`plan:${plan.id}`, toStoredPlan(plan), ttlMs))) return false;
    return this.atomic.setIfAbsent(`dist:${record.id}`, record);
  }

  async getPlan(id: string): Promise<Plan | undefined> {
    const stored = (await this.kv.get(`plan:${id}`)) as Stored<Plan> | undefined;
    return stored ? fromStoredPlan(stored) : undefined;
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

  /** Writes every part of `change` in one atomic step, or nothing if `fence` no longer holds the lease. */
  async write(fence: Fence, change: LedgerChange): Promise<void> {
    const id = fence.distributionId;
    const entries: FencedEntry[] = [];
    if (change.plan) entries.push({ key: `plan:${id}`, value: toStoredPlan(change.plan) });
    if (change.distribution) entries.push({ key: `dist:${id}`, value: change.distribution });
    if (change.tx) entries.push({ key: `tx:${id}:${change.tx.seq}`, value: change.tx });
    if (change.failures) entries.push({ key: `fail:${id}`, value: [...change.failures] });
    if (!(await this.atomic.fencedSet(leaseKey(id), fence.token, entries))) {
      throw new TributaryError('LEASE_LOST', `distribution ${id} is no longer run by this process: another process took it over, so this one stopped writing`, {
        details: { id, token: fence.token },
      });
    }
  }

  /** Written before the transaction is broadcast (DESIGN.md invariant 3). */
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

function toStoredPlan(plan: Plan): Stored<Plan> {
  return {
    ...plan,
    total: plan.total.toString(),
    estimatedFeeLamports: plan.estimatedFeeLamports.toString(),
    estimatedRentLamports: plan.estimatedRentLamports.toString(),
    ...(plan.reserveLamports !== undefined ? { reserveLamports: plan.reserveLamports.toString() } : {}),
    recipients: plan.recipients.map((r) => ({ ...r, amount: r.amount.toString(), holding: r.holding.toString() })),
  } as Stored<Plan>;
}

function fromStoredPlan(stored: Stored<Plan>): Plan {
  return {
    ...(stored as unknown as Plan),
    total: BigInt(stored.total),
    estimatedFeeLamports: BigInt(stored.estimatedFeeLamports),
    estimatedRentLamports: BigInt(stored.estimatedRentLamports),
    ...(stored.reserveLamports !== undefined ? { reserveLamports: BigInt(stored.reserveLamports) } : {}),
    recipients: stored.recipients.map((r) => ({ ...r, amount: BigInt(r.amount), holding: BigInt(r.holding) })),
  };
}
