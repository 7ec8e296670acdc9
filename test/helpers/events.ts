import type { ProgressEvent } from '../../src/engine/events.js';

/** A progress event of a running SOL distribution with nothing settled yet; tests override what they look at. */
export function progressEvent(over: Partial<ProgressEvent> = {}): ProgressEvent {
  return {
    distributionId: 'd1',
    reward: 'SOL',
    decimals: 9,
    recipients: 10,
    inFlight: 0,
    paid: 0,
    failed: 0,
    paidAmount: '0',
    plannedAmount: '0',
    transactionsSent: 0,
    transactionsConfirmed: 0,
    transactionsFailed: 0,
    recipientsPerSecond: 0,
    etaSeconds: null,
    state: 'running',
    at: 0,
    ...over,
  };
}
