import type { Logger } from 'pino';
import { instantParam, msg } from '../i18n/index.js';
import { isTributaryError } from '../engine/errors.js';
import type { HeldLease, LeaseTaker } from '../engine/lease.js';
import type { Ledger } from '../engine/ledger.js';
import type { DistributionService } from '../engine/service.js';
import type { Lease } from '../store/atomic.js';

/**
 * The lease that makes one process the runner of a store: it recovers unfinished distributions
 * and takes new ones. Not a distribution id (those are [a-z0-9]), so it never meets one.
 */
export const RUNNER_LEASE = '~runner';

export interface RunnerRole {
  /** The runner's lease if this process holds it; the other process's when it only reads. */
  readonly current: { role: 'runner' } | { role: 'reader'; owner: Lease };
  /** What this process resumed when it became the runner at start. */
  readonly recoveredAtStart: string[];
  stop(): Promise<void>;
}

export interface RunnerRoleOptions {
  leases: LeaseTaker;
  service: DistributionService;
  logger: Logger;
}

/**
 * Decides whether this process runs distributions on its store or only reads them. The runner
 * holds RUNNER_LEASE, resumes what was unfinished, and looks again every lease period for
 * distributions whose owner stopped (their leases lapse, docs/invariants.md invariant 3b). Any other
 * process (a second bot in a rolling deploy, a console opened on the bot's data directory) only
 * reads, and becomes the runner if the runner stops for a lease period.
 */
export async function claimRunnerRole(opts: RunnerRoleOptions): Promise<RunnerRole> {
  const { leases, service, logger } = opts;
  const period = leases.opts.ttlMs;
  let held: HeldLease | null = null;
  let owner: Lease | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const readerReason = (lease: Lease) =>
    msg('err.readOnly', { host: lease.holder.host, pid: lease.holder.pid, since: instantParam(lease.since), seconds: Math.ceil(lease.ttlMs / 1000) });

  const recover = async (): Promise<string[]> => {
    try {
      return await service.recoverUnfinished();
    } catch (err) {
      logger.warn({ err }, 'could not recover unfinished distributions; trying again later');
      return [];
    }
  };

  const attempt = async (): Promise<string[] | undefined> => {
    if (stopped) return undefined;
    if (held && !held.lost) {
      await recover();
      return undefined;
    }
    try {
      held = await leases.take(RUNNER_LEASE);
    } catch (e) {
      if (!isTributaryError(e, 'DISTRIBUTION_BUSY')) {
        logger.warn({ err: e }, 'could not read who runs this data directory; trying again');
        return undefined;
      }
      // A store that cannot answer now (full, unreachable) is asked again next period.
      owner = (await leases.otherOwner(RUNNER_LEASE).catch(() => null)) ?? owner;
      if (owner) service.setReadOnly(readerReason(owner));
      return undefined;
    }
    owner = null;
    held.onLost(() => {
      logger.warn('this process no longer runs distributions here: another process holds the runner lease');
      void leases
        .otherOwner(RUNNER_LEASE)
        .catch(() => null)
        .then((lease) => {
          owner = lease;
          service.setReadOnly(lease ? readerReason(lease) : msg('err.readOnlyLost'));
        });
    });
    service.setReadOnly(null);
    const recovered = await recover();
    logger.info({ recovered }, 'this process runs distributions on its store');
    return recovered;
  };

  const recoveredAtStart = (await attempt()) ?? [];
  timer = setInterval(() => void attempt(), period);
  timer.unref();
  return {
    recoveredAtStart,
    get current() {
      return held !== null && !held.lost ? { role: 'runner' as const } : { role: 'reader' as const, owner: owner as Lease };
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await held?.release();
    },
  };
}

/** Whether another live process runs the store `ledger` belongs to (the embedded demo must not delete it). */
export async function runnerElsewhere(ledger: Ledger): Promise<Lease | null> {
  const lease = await ledger.readLease(RUNNER_LEASE);
  return lease && lease.expiresAt >= Date.now() ? lease : null;
}
