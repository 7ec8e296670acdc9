/**
 * Published request budgets of common RPC providers (docs/solana-rpc-behaviour.md, "RPC providers' limits"). The RPC
 * gateway paces itself to these so that a large distribution draws no 429 at all; an operator
 * whose plan differs overrides single figures under `rpc.limits`.
 */

export const RPC_PRESET_NAMES = ['localnet', 'public-mainnet', 'public-devnet', 'helius-free', 'helius-developer', 'helius-business', 'helius-professional', 'unlimited'] as const;

export type RpcPresetName = (typeof RPC_PRESET_NAMES)[number];

/** A request budget. `null` means the provider sets no limit of that kind. */
export interface RpcLimits {
  /** Requests allowed in any window of `windowMs`, all methods together. */
  requestsPerWindow: number | null;
  /** Length of the window the request counts apply to. */
  windowMs: number;
  /** Requests of any single method allowed per `windowMs`. */
  perMethodPerWindow: number | null;
  /** Requests in flight at once (public mainnet counts open connections). */
  maxConcurrent: number | null;
  /** `sendTransaction` calls allowed per second, on top of the overall budget. */
  sendTransactionPerSecond: number | null;
}

const NO_LIMIT: RpcLimits = {
  requestsPerWindow: null,
  windowMs: 1_000,
  perMethodPerWindow: null,
  maxConcurrent: null,
  sendTransactionPerSecond: null,
};

/** Public mainnet-beta: 100 requests / 10 s per IP, 40 / 10 s for any single method, 40 concurrent connections. */
const PUBLIC_SOLANA: RpcLimits = {
  requestsPerWindow: 100,
  windowMs: 10_000,
  perMethodPerWindow: 40,
  maxConcurrent: 40,
  sendTransactionPerSecond: null,
};

/** Helius publishes requests per second and a separate sendTransaction rate per plan; no concurrency cap. */
function helius(rps: number, sendPerSecond: number): RpcLimits {
  return { ...NO_LIMIT, requestsPerWindow: rps, windowMs: 1_000, sendTransactionPerSecond: sendPerSecond };
}

export const rpcPresets: Readonly<Record<RpcPresetName, Readonly<RpcLimits>>> = {
  // The embedded chain applies only the limits its tests switch on.
  localnet: NO_LIMIT,
  'public-mainnet': PUBLIC_SOLANA,
  // Devnet publishes no separate figures; it behaves like the public mainnet endpoint.
  'public-devnet': PUBLIC_SOLANA,
  'helius-free': helius(10, 1),
  'helius-developer': helius(50, 5),
  'helius-business': helius(200, 50),
  'helius-professional': helius(500, 100),
  // A private node or a dedicated plan: the operator takes responsibility for pacing.
  unlimited: NO_LIMIT,
};

/** Per-field overrides of a preset, as they appear in config (`null` = keep the preset's figure). */
export type RpcLimitOverrides = { [K in keyof RpcLimits]: RpcLimits[K] | null };

/** The budget the gateway should pace to: the preset, with every non-null override applied. */
export function resolveRpcLimits(preset: RpcPresetName, overrides: Partial<RpcLimitOverrides> = {}): RpcLimits {
  const limits: RpcLimits = { ...rpcPresets[preset] };
  for (const key of Object.keys(limits) as (keyof RpcLimits)[]) {
    const value = overrides[key];
    if (value !== null && value !== undefined) (limits as unknown as Record<string, number>)[key] = value;
  }
  return limits;
}
