import { randomBytes } from 'node:crypto';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { PublicKey, VersionedTransaction, type Connection, type Keypair } from '@solana/web3.js';
import type Keyv from 'keyv';
import { allocate } from './allocate.js';
import { formatAmount, parseAmount } from './amounts.js';
import type { Actor, Plan, PlanBlocker, PlannedRecipient } from './ledger.js';
import { resolveRewardAsset } from './reward-asset.js';
import { applyFilters, takeSnapshot } from './snapshot.js';
import { TransferBuilder, transactionFee } from './tx-builder.js';
import type { DistributionMode, RewardAsset } from './types.js';
import type { RateLimitRule } from '../solana/sliding-window.js';
import type { EngineEventBus } from './events.js';

export interface PreviewRequest {
  /** The token whose holders are paid. */
  token: string;
  /** Decimal string in the reward's units. */
  amount: string;
  /** "SOL" or a mint address. */
  reward: string;
  mode?: DistributionMode;
  /** Minimum holding, decimal string in the base token's units. */
  min?: string;
  exclude?: string[];
  max?: number;
  includeOffCurve?: boolean;
  refreshSnapshot?: boolean;
}

export interface PlanPreview {
  plan: Plan;
  holdersInSnapshot: number;
  excluded: Record<'off-curve' | 'below-minimum' | 'excluded' | 'beyond-max', number>;
  /** Holders whose share rounds to zero: listed, not paid. */
  zeroShare: { owner: string; holding: bigint }[];
  /** SOL rewards to empty wallets below the rent-exempt minimum: the transfer would fail. */
  belowRentExemption: string[];
  share: { min: bigint; median: bigint; max: bigint };
  transactions: number;
  newAccounts: number;
  feeLamports: bigint;
  rentLamports: bigint;
  /** SOL the distributor needs: fees, rent, and the total itself for a SOL reward. */
  solNeededLamports: bigint;
  balances: DistributorBalances;
  estimatedSeconds: number;
  riskFlags: string[];
  simulation: { ok: boolean; unitsConsumed: number; error?: string };
}

export interface PreviewContext {
  connection: Connection;
  payer: Keypair;
  network: string;
  cache?: Keyv;
  snapshotTtlMs: number;
  previewTtlMs: number;
  computeUnitPriceCap: number;
  maxRecipientsPerTransaction: number | null;
  snapshotMaxRecipients: number;
  largeTotalWarning: string | null;
  manyRecipientsWarning: number;
  rpcLimit: RateLimitRule | null;
  /** Told of the snapshot (size, duration, cache hit) for metrics. */
  events?: EngineEventBus;
}

const GET_MULTIPLE_ACCOUNTS_MAX = 100;
const SYSTEM_ACCOUNT_RENT_SIZE = 0;

/**
 * Snapshot, filter, allocate and price a distribution, without sending anything. The plan it
 * returns is what an operator confirms: same id, same recipients, same total.
 */
export async function buildPreview(ctx: PreviewContext, req: PreviewRequest, actor: Actor): Promise<PlanPreview> {
  const { connection } = ctx;
  const reward = await resolveRewardAsset(connection, req.reward);
  const total = parseAmount(req.amount, reward.decimals, 'amount', { unit: reward.symbol });
  const snapshotStarted = Date.now();
  let fromCache = false;
  const snapshot = await takeSnapshot(connection, req.token, {
    ...(ctx.cache ? { cache: ctx.cache } : {}),
    ttlMs: ctx.snapshotTtlMs,
    refresh: req.refreshSnapshot ?? false,
    onCacheResult: (hit) => (fromCache = hit),
  });
  ctx.events?.emit('snapshot', { mint: snapshot.mint, holders: snapshot.holders.length, durationMs: Date.now() - snapshotStarted, fromCache, at: Date.now() });
  const minBalance = req.min !== undefined ? parseAmount(req.min, snapshot.decimals, 'min', { allowZero: true }) : undefined;
  const max = req.max ?? ctx.snapshotMaxRecipients;
  const filtered = applyFilters(snapshot, {
    ...(minBalance !== undefined ? { minBalance } : {}),
    ...(req.exclude ? { exclude: req.exclude } : {}),
    maxRecipients: max,
    includeOffCurve: req.includeOffCurve ?? false,
  });
  const payer = ctx.payer.publicKey.toBase58();
  const holders = filtered.holders.filter((h) => h.owner !== payer);
  const { allocations, zeroShare } = allocate(holders, total, req.mode ?? 'proportional');

  const existing = await accountsExist(connection, allocations.map((a) => payoutAccount(reward, a.owner)));
  const recipients: PlannedRecipient[] = allocations.map((a, i) => ({
    owner: a.owner,
    amount: a.amount,
    holding: a.holding,
    offCurve: a.offCurve,
    needsAccount: !existing[i],
  }));
  const systemRent = await connection.getMinimumBalanceForRentExemption(SYSTEM_ACCOUNT_RENT_SIZE);
  const belowRentExemption =
    reward.kind === 'sol' ? recipients.filter((r) => r.needsAccount && r.amount < BigInt(systemRent)).map((r) => r.owner) : [];

  const builder = new TransferBuilder({ payer: ctx.payer, reward, computeUnitPrice: 0, maxRecipients: ctx.maxRecipientsPerTransaction });
  const fees = await recentPriorityFee(connection, ctx.computeUnitPriceCap);
  const packing = estimatePacking(builder, recipients);
  const accountRent = reward.kind === 'spl' ? BigInt(await connection.getMinimumBalanceForRentExemption(tokenAccountSize(reward))) : 0n;
  const newAccounts = reward.kind === 'spl' ? recipients.filter((r) => r.needsAccount).length : 0;
  const feeLamports = BigInt(packing.transactions) * transactionFee(packing.averageComputeUnits, fees);
  const rentLamports = BigInt(newAccounts) * accountRent;
  const reserveLamports = payerReserve(BigInt(systemRent), feeLamports);
  const solNeededLamports = feeLamports + rentLamports + reserveLamports + (reward.kind === 'sol' ? total : 0n);
  const balances = await distributorBalances(connection, ctx.payer.publicKey, reward);
  const simulation = await simulateFirst(connection, builder, recipients);

  // What the preview already knows will fail cannot be confirmed as it is (the chat says what to change).
  const blockers: PlanBlocker[] = [];
  if (!simulation.ok) blockers.push({ code: 'simulation-failed', count: 1, detail: simulation.error ?? 'unknown error' });
  if (belowRentExemption.length > 0) blockers.push({ code: 'below-rent-exemption', count: belowRentExemption.length, detail: `${systemRent} lamports` });
  const now = Date.now();
  const plan: Plan = {
    id: newPlanId(),
    network: ctx.network,
    baseMint: snapshot.mint,
    snapshotSlot: snapshot.slot,
    reward,
    mode: req.mode ?? 'proportional',
    total,
    recipients,
    estimatedFeeLamports: feeLamports,
    estimatedRentLamports: rentLamports,
    reserveLamports,
    ...(blockers.length ? { blockers } : {}),
    createdBy: actor,
    createdAt: now,
    expiresAt: now + ctx.previewTtlMs,
  };
  const sorted = recipients.map((r) => r.amount).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const excluded = { 'off-curve': 0, 'below-minimum': 0, excluded: 0, 'beyond-max': 0 };
  for (const e of filtered.excluded) excluded[e.reason] += 1;

  const riskFlags: string[] = [];
  if (ctx.network === 'mainnet-beta') riskFlags.push('MAINNET: real funds move; confirming asks you to repeat the total');
  if (ctx.largeTotalWarning !== null && total > parseAmount(ctx.largeTotalWarning, reward.decimals, 'largeTotalWarning')) {
    riskFlags.push(`large total: ${formatAmount(total, reward.decimals)} ${reward.symbol}`);
  }
  if (recipients.length >= ctx.manyRecipientsWarning) riskFlags.push(`many recipients: ${recipients.length}`);
  const offCurve = recipients.filter((r) => r.offCurve).length;
  if (offCurve > 0) riskFlags.push(`${offCurve} off-curve owners (pools, vaults, programs) are included`);
  if (zeroShare.length > 0) riskFlags.push(`${zeroShare.length} holders' shares round to zero and are not paid`);
  if (belowRentExemption.length > 0) riskFlags.push(`${belowRentExemption.length} SOL shares are below the rent-exempt minimum for a new account and will fail`);
  if (!simulation.ok) riskFlags.push(`the first transaction fails in simulation: ${simulation.error ?? 'unknown error'}`);
  if (balances.sourceFrozen) riskFlags.push(`the distributor's ${reward.symbol} account is frozen: nothing can be paid from it`);
  const rewardShort = balances.rewardAvailable < (reward.kind === 'sol' ? 0n : total);
  const solShort = balances.solAvailable < solNeededLamports;
  if (rewardShort) riskFlags.push(`distributor holds ${formatAmount(balances.rewardAvailable, reward.decimals)} ${reward.symbol}, needs ${formatAmount(total, reward.decimals)}`);
  if (solShort) riskFlags.push(`distributor holds ${formatAmount(balances.solAvailable, 9)} SOL, needs ${formatAmount(solNeededLamports, 9)} for the total, fees, rent and its own reserve`);

  return {
    plan,
    holdersInSnapshot: snapshot.holders.length,
    excluded,
    zeroShare: zeroShare.map((z) => ({ owner: z.owner, holding: z.holding })),
    belowRentExemption,
    share: { min: sorted[0] ?? 0n, median: sorted[Math.floor(sorted.length / 2)] ?? 0n, max: sorted[sorted.length - 1] ?? 0n },
    transactions: packing.transactions,
    newAccounts,
    feeLamports,
    rentLamports,
    solNeededLamports,
    balances,
    estimatedSeconds: estimateSeconds(packing.transactions, ctx.rpcLimit),
    riskFlags,
    simulation,
  };
}

/**
 * SOL the distributor keeps back: its own account must stay rent-exempt (a transaction that would
 * leave it below the minimum fails with InsufficientFundsForRent on account 0), and retries and
 * the splitting of failed transactions cost fees beyond the estimate.
 */
export function payerReserve(systemAccountRent: bigint, feeLamports: bigint): bigint {
  const RETRY_FEE_MARGIN = 20n * 5_000n;
  return systemAccountRent + feeLamports / 4n + RETRY_FEE_MARGIN;
}

/** The account a recipient is paid into: the wallet for SOL, its associated token account otherwise. */
export function payoutAccount(reward: RewardAsset, owner: string): PublicKey {
  const wallet = new PublicKey(owner);
  if (reward.kind === 'sol') return wallet;
  return getAssociatedTokenAddressSync(new PublicKey(reward.mint), wallet, true, new PublicKey(reward.programId));
}

/** Which of `keys` exist, asking 100 at a time (FACTS.md). */
export async function accountsExist(connection: Connection, keys: PublicKey[]): Promise<boolean[]> {
  const exists: boolean[] = [];
  for (let i = 0; i < keys.length; i += GET_MULTIPLE_ACCOUNTS_MAX) {
    const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + GET_MULTIPLE_ACCOUNTS_MAX), { dataSlice: { offset: 0, length: 0 } });
    for (const info of infos) exists.push(info !== null && info.lamports > 0);
  }
  return exists;
}

/** Token account state byte (AccountLayout): 2 = frozen. */
const TOKEN_ACCOUNT_STATE_OFFSET = 108;
const FROZEN = 2;

export interface DistributorBalances {
  rewardAvailable: bigint;
  solAvailable: bigint;
  /** The distributor's reward token account is frozen: no transfer out of it can succeed. */
  sourceFrozen: boolean;
}

export async function distributorBalances(connection: Connection, payer: PublicKey, reward: RewardAsset): Promise<DistributorBalances> {
  const sol = BigInt(await connection.getBalance(payer));
  if (reward.kind === 'sol') return { rewardAvailable: sol, solAvailable: sol, sourceFrozen: false };
  const source = getAssociatedTokenAddressSync(new PublicKey(reward.mint), payer, true, new PublicKey(reward.programId));
  const info = await connection.getAccountInfo(source);
  const valid = info !== null && info.data.length > TOKEN_ACCOUNT_STATE_OFFSET;
  return {
    rewardAvailable: valid ? info.data.readBigUInt64LE(64) : 0n,
    solAvailable: sol,
    sourceFrozen: valid && info.data[TOKEN_ACCOUNT_STATE_OFFSET] === FROZEN,
  };
}

async function recentPriorityFee(connection: Connection, cap: number): Promise<number> {
  if (cap <= 0) return 0;
  const fees = (await connection.getRecentPrioritizationFees()).map((f) => f.prioritizationFee).sort((a, b) => a - b);
  return Math.min(cap, fees.length ? (fees[Math.floor(fees.length / 2)] as number) : 0);
}

/** Transactions needed, from how many of each kind of transfer one transaction holds. */
function estimatePacking(builder: TransferBuilder, recipients: PlannedRecipient[]): { transactions: number; averageComputeUnits: number } {
  if (recipients.length === 0) return { transactions: 0, averageComputeUnits: 0 };
  const dummyHash = PublicKey.default.toBase58();
  let transactions = 0;
  let cuTotal = 0;
  for (const needsAccount of [true, false]) {
    const group = recipients.map((r, i) => ({ r, i })).filter(({ r }) => r.needsAccount === needsAccount);
    if (group.length === 0) continue;
    const sample = builder.build(group.map(({ i }) => i), recipients, dummyHash);
    const perTx = sample.recipients.length;
    const count = Math.ceil(group.length / perTx);
    transactions += count;
    cuTotal += count * sample.computeUnitLimit;
  }
  return { transactions, averageComputeUnits: Math.ceil(cuTotal / transactions) };
}

/** Seconds the sends alone take at the RPC budget, plus a few blocks to confirm. */
function estimateSeconds(transactions: number, limit: RateLimitRule | null): number {
  const confirmSlack = 2;
  if (!limit) return Math.ceil(transactions * 0.01 + confirmSlack);
  const requests = transactions * 1.15 + 5;
  const global = (requests / limit.requestsPerWindow) * (limit.windowMs / 1000);
  const perMethod = limit.perMethodPerWindow ? (transactions / limit.perMethodPerWindow) * (limit.windowMs / 1000) : 0;
  const send = limit.methods?.sendTransaction;
  const sendLimited = send ? (transactions / send.requests) * (send.windowMs / 1000) : 0;
  return Math.ceil(Math.max(global, perMethod, sendLimited) + confirmSlack);
}

async function simulateFirst(connection: Connection, builder: TransferBuilder, recipients: PlannedRecipient[]): Promise<PlanPreview['simulation']> {
  if (recipients.length === 0) return { ok: true, unitsConsumed: 0 };
  const { blockhash } = await connection.getLatestBlockhash();
  const built = builder.build(recipients.map((_, i) => i), recipients, blockhash);
  const vtx = VersionedTransaction.deserialize(built.wire);
  const res = await connection.simulateTransaction(vtx, { replaceRecentBlockhash: true, sigVerify: false });
  if (res.value.err) return { ok: false, unitsConsumed: res.value.unitsConsumed ?? 0, error: JSON.stringify(res.value.err) };
  return { ok: true, unitsConsumed: res.value.unitsConsumed ?? 0 };
}

function tokenAccountSize(reward: Extract<RewardAsset, { kind: 'spl' }>): number {
  // Token-2022 associated accounts carry the ImmutableOwner extension (and more for some mints).
  return reward.tokenAccountSize ?? (reward.program === 'spl-token-2022' ? 170 : 165);
}

/** Short, unambiguous, easy to type in a chat: 8 characters of Crockford base32. */
export function newPlanId(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return Array.from(randomBytes(8), (b) => alphabet[b & 31]).join('');
}

