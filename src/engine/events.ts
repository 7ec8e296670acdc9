import { EventEmitter } from 'node:events';
import type { Message } from '../i18n/message.js';

/** Counts a chat message, a metric or a report can show about one running distribution. */
export interface ProgressEvent {
  distributionId: string;
  /** Reward mint address, or "SOL". */
  reward: string;
  /** Decimals of the reward, to render base-unit amounts. */
  decimals: number;
  recipients: number;
  /** Recipients in a transaction that was broadcast and not yet settled. */
  inFlight: number;
  paid: number;
  failed: number;
  /** Base units, decimal string. */
  paidAmount: string;
  plannedAmount: string;
  transactionsSent: number;
  transactionsConfirmed: number;
  transactionsFailed: number;
  /** Recipients settled per second since the run started. */
  recipientsPerSecond: number;
  /** Seconds until every recipient is settled at the current rate; null when unknown. */
  etaSeconds: number | null;
  state: DistributionState;
  /** Why the run stopped, when it did not stop by itself (paused for lack of funds, an error), or what it waits for. */
  note?: Message;
  at: number;
}

export type DistributionState = 'previewed' | 'confirmed' | 'running' | 'paused' | 'completed' | 'cancelled' | 'expired';

/**
 * The one success-rate formula (a run's summary, the metrics, the alert rule, the daily report):
 * recipients paid over recipients settled, paid + failed; null when none was settled. Pending and
 * in-flight recipients count for nothing yet.
 */
export function successRate(paid: number, failed: number): number | null {
  const settled = paid + failed;
  return settled > 0 ? paid / settled : null;
}

/** The end of a run, with everything its summary shows: nobody needs to ask the service again. */
export interface CompletedEvent extends ProgressEvent {
  /** paid / (paid + failed); 1 when nothing was attempted. */
  successRate: number;
  durationMs: number;
  /** The reward's symbol ("SOL", a token's). */
  symbol: string;
  /** The per-recipient report (report.ts), a CSV file; null when it could not be written (`reportError` says why). */
  report: ReportFile | null;
  reportError?: string;
}

/** A report written to a file: chat attaches it from there, never holding its text. */
export interface ReportFile {
  path: string;
  /** Its size. */
  bytes: number;
  /** Rows below the header: one per planned recipient. */
  rows: number;
}

export interface TransactionEvent {
  distributionId: string;
  signature: string;
  recipients: number;
  outcome: 'sent' | 'confirmed' | 'failed' | 'expired';
  error?: string;
  at: number;
}

export interface SnapshotEvent {
  mint: string;
  holders: number;
  durationMs: number;
  fromCache: boolean;
  at: number;
}

/** A plan was previewed: what the distributor holds against what its run will need. */
export interface PlannedEvent {
  distributionId: string;
  solAvailableLamports: bigint;
  solNeededLamports: bigint;
  at: number;
}

/** Every event that leaves the engine; chat, monitoring and reports subscribe, the engine never calls them. */
export interface EngineEvents {
  progress: [ProgressEvent];
  completed: [CompletedEvent];
  transaction: [TransactionEvent];
  snapshot: [SnapshotEvent];
  planned: [PlannedEvent];
}

export class EngineEventBus extends EventEmitter<EngineEvents> {}
