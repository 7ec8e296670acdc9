import type Keyv from 'keyv';
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

/**
 * The distribution ledger: plans, distribution records, the write-ahead transaction log and
 * recipient failures, in one Keyv namespace. Nothing else reads or writes these keys.
 */
export class Ledger {
  constructor(private readonly kv: Keyv) {}

  async savePlan(plan: Plan, ttlMs?: number): Promise<void> {
    await this.kv.set(`plan:${plan.id}`, toStoredPlan(plan), ttlMs);
  }

  async getPlan(id: string): Promise<Plan | undefined> {
    const stored = (await this.kv.get(`plan:${id}`)) as Stored<Plan> | undefined;
    return stored ? fromStoredPlan(stored) : undefined;
  }

  /** A confirmed plan must outlive its preview's expiry. */
  async keepPlan(plan: Plan): Promise<void> {
    await this.kv.set(`plan:${plan.id}`, toStoredPlan(plan));
  }

  async saveDistribution(record: DistributionRecord): Promise<void> {
    await this.kv.set(`dist:${record.id}`, record);
  }

  async getDistribution(id: string): Promise<DistributionRecord | undefined> {
    return (await this.kv.get(`dist:${id}`)) as DistributionRecord | undefined;
  }

  /** Ids of confirmed distributions, oldest first. */
  async distributionIds(): Promise<string[]> {
    return ((await this.kv.get('index:distributions')) as string[] | undefined) ?? [];
  }

  async addToIndex(id: string): Promise<void> {
    const ids = await this.distributionIds();
    if (!ids.includes(id)) await this.kv.set('index:distributions', [...ids, id]);
  }

  /** Written before the transaction is broadcast (DESIGN.md invariant 3). */
  async writeTx(distributionId: string, tx: TxRecord): Promise<void> {
    await this.kv.set(`tx:${distributionId}:${tx.seq}`, tx);
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

  async saveFailures(distributionId: string, failures: Map<number, RecipientFailure>): Promise<void> {
    await this.kv.set(`fail:${distributionId}`, [...failures]);
  }
}

function toStoredPlan(plan: Plan): Stored<Plan> {
  return {
    ...plan,
    total: plan.total.toString(),
    estimatedFeeLamports: plan.estimatedFeeLamports.toString(),
    estimatedRentLamports: plan.estimatedRentLamports.toString(),
    recipients: plan.recipients.map((r) => ({ ...r, amount: r.amount.toString(), holding: r.holding.toString() })),
  } as Stored<Plan>;
}

function fromStoredPlan(stored: Stored<Plan>): Plan {
  return {
    ...(stored as unknown as Plan),
    total: BigInt(stored.total),
    estimatedFeeLamports: BigInt(stored.estimatedFeeLamports),
    estimatedRentLamports: BigInt(stored.estimatedRentLamports),
    recipients: stored.recipients.map((r) => ({ ...r, amount: BigInt(r.amount), holding: BigInt(r.holding) })),
  };
}
