import { instantParam, msg } from '../i18n/message.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Lease, LeaseHolder } from '../store/atomic.js';
import { TributaryError } from './errors.js';
import type { Fence, Ledger } from './ledger.js';

export interface LeaseOptions {
  /** A lease not renewed for this long lapses and another process may take the distribution over. */
  ttlMs: number;
  /** How often the holder renews; well under `ttlMs`, so one slow renewal does not lose it. */
  renewEveryMs: number;
}

/** This process, as leases name it. */
export function processHolder(): LeaseHolder {
  return { instance: randomUUID(), host: hostname(), pid: process.pid };
}

/** A lease this process holds and renews until it is released or lost. */
export class HeldLease {
  private timer: NodeJS.Timeout | null = null;
  private lostValue = false;
  private expiresAt: number;
  private readonly lostListeners: (() => void)[] = [];

  constructor(
    private readonly ledger: Ledger,
    readonly fence: Fence,
    lease: Lease,
    private readonly opts: LeaseOptions,
    private readonly logger: Logger,
    private readonly onEnd: () => void = () => undefined,
  ) {
    this.expiresAt = lease.expiresAt;
    this.timer = setInterval(() => void this.renew(), opts.renewEveryMs);
    this.timer.unref();
  }

  /** True once the lease lapsed or another process took it: nothing more may be signed under it. */
  get lost(): boolean {
    if (!this.lostValue && this.timer !== null && Date.now() > this.expiresAt) this.markLost('it lapsed before it could be renewed');
    return this.lostValue;
  }

  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  async release(): Promise<void> {
    this.stop();
    if (this.lostValue) return;
    await this.ledger
      .releaseLease(this.fence)
      .catch((err: unknown) => this.logger.warn({ err, distributionId: this.fence.distributionId }, 'could not release a lease; it lapses by itself'));
  }

  private async renew(): Promise<void> {
    if (this.lostValue || this.timer === null) return;
    try {
      const at = Date.now();
      if (await this.ledger.renewLease(this.fence, this.opts.ttlMs)) {
        this.expiresAt = at + this.opts.ttlMs;
        return;
      }
      this.markLost('another process holds it now');
    } catch (err) {
      // The store is unreachable: the lease still stands until it lapses (checked by `lost`).
      this.logger.warn({ err, distributionId: this.fence.distributionId }, 'could not renew a lease; trying again');
      void this.lost;
    }
  }

  private markLost(why: string): void {
    if (this.lostValue) return;
    this.lostValue = true;
    this.stop();
    this.logger.warn({ distributionId: this.fence.distributionId, token: this.fence.token, why }, 'lost the lease of a distribution; this process stops running it');
    for (const listener of this.lostListeners) listener();
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.onEnd();
  }
}

/** Takes leases for this process: one owner per distribution, across processes (docs/invariants.md invariant 3b). */
export class LeaseTaker {
  /** Leases this process holds now: a second taker in the same process would release the first's. */
  private readonly held = new Map<string, HeldLease>();

  constructor(
    private readonly ledger: Ledger,
    readonly holder: LeaseHolder,
    readonly opts: LeaseOptions,
    private readonly logger: Logger,
  ) {}

  /** The lease of `id`, or DISTRIBUTION_BUSY naming the process that runs it. */
  async take(id: string): Promise<HeldLease> {
    const mine = this.held.get(id);
    if (mine && !mine.lost) {
      throw new TributaryError('DISTRIBUTION_BUSY', msg('err.busyHere', { id }), { details: { id, pid: this.holder.pid } });
    }
    const attempt = await this.ledger.acquireLease(id, this.holder, this.opts.ttlMs);
    if (!attempt.acquired) throw busy(id, attempt.lease, this.opts.ttlMs);
    const lease: HeldLease = new HeldLease(this.ledger, { distributionId: id, token: attempt.lease.token }, attempt.lease, this.opts, this.logger, () => {
      if (this.held.get(id) === lease) this.held.delete(id);
    });
    this.held.set(id, lease);
    return lease;
  }

  /** Another live process holding `id`, if one does. */
  async otherOwner(id: string): Promise<Lease | null> {
    const lease = await this.ledger.readLease(id);
    return lease && lease.expiresAt >= Date.now() && lease.holder.instance !== this.holder.instance ? lease : null;
  }
}

export function busy(id: string, lease: Lease, ttlMs: number): TributaryError {
  return new TributaryError(
    'DISTRIBUTION_BUSY',
    msg('err.busy', { id, host: lease.holder.host, pid: lease.holder.pid, since: instantParam(lease.since), seconds: Math.ceil((lease.ttlMs ?? ttlMs) / 1000) }),
    { details: { id, host: lease.holder.host, pid: lease.holder.pid, since: lease.since } },
  );
}
