/** Shared shapes of the engine. Amounts are base units (bigint) everywhere; decimal strings only at the edges. */
import type { HolderTable } from './holder-table.js';

export type TokenProgram = 'spl-token' | 'spl-token-2022';

/** One wallet in a snapshot: its token accounts merged. */
export interface Holder {
  owner: string;
  amount: bigint;
  /** Pools, vaults and program accounts: paying them needs `allowOwnerOffCurve`, and is excluded by default. */
  offCurve: boolean;
  tokenAccounts: number;
}

export interface Snapshot {
  mint: string;
  program: TokenProgram;
  decimals: number;
  /** Slot the holder list was read at. */
  slot: number;
  takenAt: number;
  /** Largest first; ties broken by owner bytes so the order is stable. Compact: see holder-table.ts. */
  holders: HolderTable;
  totalAmount: bigint;
}

export interface SnapshotFilters {
  /** Minimum balance in base units of the snapshot mint. */
  minBalance?: bigint;
  exclude?: string[];
  /** Keep only the largest holders. */
  maxRecipients?: number;
  includeOffCurve?: boolean;
}

/** What a distribution pays. */
export type RewardAsset =
  | { kind: 'sol'; decimals: 9; symbol: 'SOL' }
  | {
      kind: 'spl';
      mint: string;
      program: TokenProgram;
      programId: string;
      decimals: number;
      symbol: string;
      /**
       * Bytes of a recipient's new associated token account, to price its rent: 165 on the legacy
       * program, more on Token-2022 (ImmutableOwner plus what the mint's extensions require).
       * Set by resolveRewardAsset; absent on assets built elsewhere.
       */
      tokenAccountSize?: number;
    };

export type DistributionMode = 'proportional' | 'equal';

export interface Allocation {
  owner: string;
  amount: bigint;
  /** The holder's balance the share was computed from. */
  holding: bigint;
  offCurve: boolean;
}
