import type { RpcPresetName } from '../../src/config/index.js';
import type { RpcStats } from '../../src/localnet/index.js';

/** What the bench runner asks an engine worker process to do (passed as JSON in argv). */
export type WorkerTask = IdleTask | SnapshotTask | DistributeTask;

interface ChainRef {
  rpcUrl: string;
  statsUrl: string;
  keypairPath: string;
  preset?: RpcPresetName;
}

/** Start the engine as the app does, let it settle, and read its memory. */
export interface IdleTask extends ChainRef {
  kind: 'idle';
  settleMs: number;
}

/** Take `runs` fresh snapshots of `mint` through the engine's gateway. */
export interface SnapshotTask extends ChainRef {
  kind: 'snapshot';
  mint: string;
  runs: number;
}

/** Preview and confirm one distribution, and time it from confirm to the completed event. */
export interface DistributeTask extends ChainRef {
  kind: 'distribute';
  token: string;
  reward: string;
  amount: string;
  /** Pay off-curve holders too, so N holders are N recipients. */
  includeOffCurve: boolean;
  /** Wait between preview and confirm: lets a rate-limit window empty, so the run starts on a fresh budget. */
  gapMs: number;
  /** Check every recipient's on-chain balance afterwards (not counted in the figures). */
  verify: boolean;
}

export interface IdleResult {
  kind: 'idle';
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  startMs: number;
}

export interface SnapshotResult {
  kind: 'snapshot';
  holders: number;
  runsMs: number[];
  requestsPerSnapshot: number;
}

export interface DistributeResult {
  kind: 'distribute';
  recipients: number;
  newAccounts: number;
  previewMs: number;
  runMs: number;
  paid: number;
  failed: number;
  transactions: number;
  /** Transactions signed and written ahead, per second, from the first to the last. */
  txSignedPerS: number;
  previewStats: RpcStats;
  runStats: RpcStats;
  gatewayRateLimited: number;
  peakRssPreviewMb: number;
  peakRssRunMb: number;
  maxRssMb: number;
  /** Event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution) during the preview and during the run. */
  eventLoop?: { previewMaxMs: number; previewP99Ms: number; runMaxMs: number; runP99Ms: number };
  verified: { checked: number; wrong: number } | null;
}

export type WorkerResult = IdleResult | SnapshotResult | DistributeResult;
