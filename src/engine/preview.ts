import { msg, type Message } from '../i18n/message.js';
import { chainErrorMessage } from './chain-error.js';
import { randomBytes } from 'node:crypto';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { PublicKey, VersionedTransaction, type Connection, type Keypair } from '@solana/web3.js';
import type Keyv from 'keyv';
import { allocateRows } from './allocate.js';
import { parseAmount } from './amounts.js';
import { associatedTokenAddress } from './ata.js';
import { rewardAccountsByOwner } from './reward-accounts.js';
import { decodeTokenAccount } from './token-account.js';
import { TributaryError } from './errors.js';
import type { HolderTable } from './holder-table.js';
import type { Actor, Plan, PlanBlocker } from './ledger.js';
import { RecipientTable } from './recipient-table.js';
import { resolveRewardAsset } from './reward-asset.js';
import { selectHoldersSliced, takeSnapshot, type ExclusionReason, type SnapshotSource } from './snapshot.js';
import { distributionTag, TransferBuilder, transactionFee } from './tx-builder.js';
import type { DistributionMode, RewardAsset } from './types.js';
import type { RateLimitRule } from '../solana/sliding-window.js';
import type { EngineEventBus } from './events.js';
import { runSliced, type Work } from './work.js';

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

/** Holders shown by name in a preview's lists (zero shares, shares below rent): the counts are exact. */
export const PREVIEW_LIST_MAX = 20;

/**
 * What a preview warns about, as codes with their numbers: the chat words them (src/chat/format.ts
 * riskText), so the engine writes no sentences here.
 */
export type PreviewRisk =
  | { code: 'mainnet' }
  | { code: 'large-total'; total: bigint }
  | { code: 'many-recipients'; recipients: number }
  /** A cap (`max:`) left out holders that pass every other filter. */
  | { code: 'capped'; max: number; leftOut: number }
  | { code: 'off-curve-included'; count: number }
  | { code: 'zero-shares'; count: number }
  | { code: 'below-rent-exemption'; count: number }
  /** `reason`: the chain's error in words (chain-error.ts); `error`: its JSON, technical detail. */
  | { code: 'simulation-failed'; reason: Message; error: string }
  | { code: 'source-frozen' }
  | { code: 'reward-short'; available: bigint; needed: bigint }
  | { code: 'sol-short'; available: bigint; needed: bigint };

export interface PlanPreview {
  plan: Plan;
  holdersInSnapshot: number;
  /** Holders left out, by the first reason that applied. */
  excluded: Record<ExclusionReason, number>;
  /** Holders whose share rounds to zero: not paid. How many, and the largest of them by name. */
  zeroShareCount: number;
  zeroShare: { owner: string; holding: bigint }[];
  /** SOL rewards to empty wallets below the rent-exempt minimum: the transfer would fail. How many, and the first by name. */
  belowRentExemptionCount: number;
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
  risks: PreviewRisk[];
  /** A failure's `error` is the chain's JSON (technical detail), `reason` the same in words (chain-error.ts). */
  simulation: { ok: boolean; unitsConsumed: number; error?: string; reason?: Message };
  /**
   * How the recipients' accounts were checked: one getMultipleAccounts per 100, or the reward
   * token's accounts read whole and matched by owner (fewer requests for many recipients).
   */
  accountChecks: { accounts: number; requests: number; method: 'getMultipleAccounts' | 'getProgramAccounts' };
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
  /**
   * The most recipients a preview plans: more after the filters is refused (with the count and what
   * to narrow), never cut to size. null: no limit, every holder that passes the filters is paid.
   */
  snapshotMaxRecipients: number | null;
  /** Where holder lists come from. Default getProgramAccounts. */
  snapshotSource?: SnapshotSource;
  largeTotalWarning: string | null;
  manyRecipientsWarning: number;
  rpcLimit: RateLimitRule | null;
  /** Told of the snapshot (size, duration, cache hit) for metrics. */
  events?: EngineEventBus;
}

const GET_MULTIPLE_ACCOUNTS_MAX = 100;
/** getMultipleAccounts calls in flight at once during the existence checks; the gateway paces them. */
const ACCOUNT_CHECKS_IN_FLIGHT = 4;
const SYSTEM_ACCOUNT_RENT_SIZE = 0;

/**
 * Snapshot, filter, allocate and price a distribution, without sending anything. The plan it
 * returns is what an operator confirms: same id, same recipients, same total.
 *
 * Every holder that passes the filters is planned. `max:` is the only cap, and a preview it cuts
 * says how many it left out (risk `capped`); more recipients than `snapshotMaxRecipients` is
 * refused, never trimmed. The CPU work runs in slices (work.ts): the event loop is served every
 * few milliseconds whatever the size.
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
    ...(ctx.snapshotSource ? { source: ctx.snapshotSource } : {}),
  });
  ctx.events?.emit('snapshot', { mint: snapshot.mint, holders: snapshot.holders.length, durationMs: Date.now() - snapshotStarted, fromCache, at: Date.now() });
  const minBalance = req.min !== undefined ? parseAmount(req.min, snapshot.decimals, 'min', { allowZero: true }) : undefined;
  const table = snapshot.holders;
  const selection = await selectHoldersSliced(
    table,
    {
      ...(minBalance !== undefined ? { minBalance } : {}),
      ...(req.exclude ? { exclude: req.exclude } : {}),
      ...(req.max !== undefined ? { maxRecipients: req.max } : {}),
      includeOffCurve: req.includeOffCurve ?? false,
    },
    // The distributor never pays itself.
    [ctx.payer.publicKey.toBase58()],
  );
  const limit = ctx.snapshotMaxRecipients;
  if (limit !== null && selection.rows.length > limit) {
    throw new TributaryError('TOO_MANY_RECIPIENTS', msg('err.tooManyRecipients', { recipients: selection.rows.length, limit }), {
      details: { recipients: selection.rows.length, limit },
    });
  }
  const alloc = await allocateRows(table, selection.rows, total, req.mode ?? 'proportional');
  const paidCount = alloc.paid;
  const rowOf = (k: number) => selection.rows[alloc.order[k] as number] as number;
  const amountOf = (k: number) => alloc.amounts[alloc.order[k] as number] as bigint;

  const systemRent = BigInt(await connection.getMinimumBalanceForRentExemption(SYSTEM_ACCOUNT_RENT_SIZE));
  // Which recipients' accounts must be looked up: every associated token account for a token
  // reward; for SOL only wallets whose share is below the rent-exempt minimum (a larger transfer
  // creates the wallet's account by itself, so whether it exists changes nothing).
  // Independent of the checks: asked while they run.
  const feesPromise = recentPriorityFee(connection, ctx.computeUnitPriceCap);
  const balancesPromise = distributorBalances(connection, ctx.payer.publicKey, reward);
  const accountRentPromise = reward.kind === 'spl' ? connection.getMinimumBalanceForRentExemption(tokenAccountSize(reward)) : Promise.resolve(0);
  // Keep the other promises from being reported unhandled while the checks run: they are awaited below.
  for (const p of [feesPromise, balancesPromise, accountRentPromise]) p.catch(() => undefined);
  // A token reward: the reward token's own accounts, matched by owner, when that is fewer requests
  // than looking up every recipient (reward-accounts.ts); otherwise one lookup per recipient.
  const byOwner = reward.kind === 'spl' ? await rewardAccountsByOwner(connection, reward, table, paidCount, rowOf) : null;
  const checked = byOwner ? allPositions(paidCount) : await runSliced(recipientsToCheck(table, reward, paidCount, rowOf, amountOf, systemRent));
  const { exists, requests } = byOwner ?? (await accountsExistBytes(connection, checked.keys, reward.kind === 'spl' ? new PublicKey(reward.programId) : undefined));

  const recipients = RecipientTable.empty(paidCount);
  const belowRentExemption: string[] = [];
  let belowRentExemptionCount = 0;
  let newAccounts = 0;
  let offCurveIncluded = 0;
  await runSliced(
    (function* () {
      for (let k = 0, c = 0; k < paidCount; k++) {
        const row = rowOf(k);
        const amount = amountOf(k);
        const isChecked = checked.positions[c] === k;
        const needsAccount = isChecked ? exists[c++] !== 1 : false;
        const offCurve = table.offCurve(row);
        recipients.set(k, table.ownerBytes(row), amount, table.amount(row), offCurve, needsAccount);
        if (needsAccount) newAccounts += 1;
        if (offCurve) offCurveIncluded += 1;
        if (reward.kind === 'sol' && needsAccount && amount < systemRent) {
          belowRentExemptionCount += 1;
          if (belowRentExemption.length < PREVIEW_LIST_MAX) belowRentExemption.push(table.owner(row));
        }
        if ((k & 255) === 255) yield;
      }
    })(),
  );
  const zeroShareCount = selection.rows.length - paidCount;
  const zeroShare: PlanPreview['zeroShare'] = [];
  for (let k = paidCount; k < selection.rows.length && zeroShare.length < PREVIEW_LIST_MAX; k++) {
    zeroShare.push({ owner: table.owner(rowOf(k)), holding: table.amount(rowOf(k)) });
  }

  // Packed as the run will pack them: with a memo as long as the run's (the id is not known yet).
  const builder = new TransferBuilder({
    payer: ctx.payer,
    reward,
    computeUnitPrice: 0,
    maxRecipients: ctx.maxRecipientsPerTransaction,
    memo: distributionTag('x'.repeat(PLAN_ID_LENGTH), 0),
  });
  const fees = await feesPromise;
  const packing = await runSliced(estimatePacking(builder, recipients));
  const accountRent = BigInt(await accountRentPromise);
  if (reward.kind !== 'spl') newAccounts = 0;
  const feeLamports = BigInt(packing.transactions) * transactionFee(packing.averageComputeUnits, fees);
  const rentLamports = BigInt(newAccounts) * accountRent;
  const reserveLamports = payerReserve(systemRent, feeLamports);
  const solNeededLamports = feeLamports + rentLamports + reserveLamports + (reward.kind === 'sol' ? total : 0n);
  const balances = await balancesPromise;
  const simulation = await simulateFirst(connection, builder, recipients);

  // What the preview already knows will fail cannot be confirmed as it is (the chat says what to change).
  const blockers: PlanBlocker[] = [];
  if (!simulation.ok) blockers.push({ code: 'simulation-failed', count: 1, detail: simulation.error ?? '' });
  if (belowRentExemptionCount > 0) blockers.push({ code: 'below-rent-exemption', count: belowRentExemptionCount, detail: String(systemRent) });
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

  const risks: PreviewRisk[] = [];
  if (ctx.network === 'mainnet-beta') risks.push({ code: 'mainnet' });
  if (ctx.largeTotalWarning !== null && total > parseAmount(ctx.largeTotalWarning, reward.decimals, 'largeTotalWarning')) risks.push({ code: 'large-total', total });
  if (recipients.length >= ctx.manyRecipientsWarning) risks.push({ code: 'many-recipients', recipients: recipients.length });
  if (selection.excluded['beyond-max'] > 0) risks.push({ code: 'capped', max: req.max ?? selection.rows.length, leftOut: selection.excluded['beyond-max'] });
  if (offCurveIncluded > 0) risks.push({ code: 'off-curve-included', count: offCurveIncluded });
  if (zeroShareCount > 0) risks.push({ code: 'zero-shares', count: zeroShareCount });
  if (belowRentExemptionCount > 0) risks.push({ code: 'below-rent-exemption', count: belowRentExemptionCount });
  if (!simulation.ok) risks.push({ code: 'simulation-failed', reason: simulation.reason ?? chainErrorMessage(simulation.error), error: simulation.error ?? '' });
  if (balances.sourceFrozen) risks.push({ code: 'source-frozen' });
  const rewardNeeded = reward.kind === 'sol' ? 0n : total;
  if (balances.rewardAvailable < rewardNeeded) risks.push({ code: 'reward-short', available: balances.rewardAvailable, needed: total });
  if (balances.solAvailable < solNeededLamports) risks.push({ code: 'sol-short', available: balances.solAvailable, needed: solNeededLamports });

  // Recipients are largest share first: the median of the ascending list is at n-1-floor(n/2) here.
  const n = recipients.length;
  return {
    plan,
    holdersInSnapshot: table.length,
    excluded: selection.excluded,
    zeroShareCount,
    zeroShare,
    belowRentExemptionCount,
    belowRentExemption,
    share: n === 0 ? { min: 0n, median: 0n, max: 0n } : { min: recipients.amount(n - 1), median: recipients.amount(n - 1 - Math.floor(n / 2)), max: recipients.amount(0) },
    transactions: packing.transactions,
    newAccounts,
    feeLamports,
    rentLamports,
    solNeededLamports,
    balances,
    estimatedSeconds: estimateSeconds(packing.transactions, ctx.rpcLimit),
    risks,
    simulation,
    accountChecks: { accounts: checked.positions.length - 1, requests, method: byOwner ? 'getProgramAccounts' : 'getMultipleAccounts' },
  };
}

/** Every recipient position checked, none looked up one by one (the reward token's accounts answered for them). */
function allPositions(count: number): { keys: Uint8Array; positions: Uint32Array } {
  const positions = new Uint32Array(count + 1);
  for (let k = 0; k < count; k++) positions[k] = k;
  positions[count] = 0xffffffff;
  return { keys: new Uint8Array(0), positions };
}

/** Payout accounts to look up (32 bytes each, in `keys`) and the recipient positions they belong to. */
function* recipientsToCheck(
  table: HolderTable,
  reward: RewardAsset,
  count: number,
  rowOf: (k: number) => number,
  amountOf: (k: number) => bigint,
  systemRent: bigint,
): Work<{ keys: Uint8Array; positions: Uint32Array }> {
  const keys = new Uint8Array(count * 32);
  const positions = new Uint32Array(count + 1);
  let c = 0;
  const mint = reward.kind === 'spl' ? new PublicKey(reward.mint).toBytes() : null;
  const program = reward.kind === 'spl' ? new PublicKey(reward.programId).toBytes() : null;
  for (let k = 0; k < count; k++) {
    const owner = table.ownerBytes(rowOf(k));
    if (mint && program) keys.set(associatedTokenAddress(mint, owner, program), c * 32);
    else if (amountOf(k) < systemRent) keys.set(owner, c * 32);
    else continue;
    positions[c++] = k;
    if ((c & 63) === 63) yield;
  }
  // A position past every recipient ends the walk in buildPreview.
  positions[c] = 0xffffffff;
  return { keys: keys.slice(0, c * 32), positions: positions.slice(0, c + 1) };
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

/**
 * Which of the 32-byte `keys` exist (1) or not (0), with as few requests as a provider allows:
 * getMultipleAccounts of 100 accounts with no data, a few in flight (the gateway paces them), the
 * event loop served between answers.
 *
 * With `ownerProgram`, an account exists only if that program owns it: anyone can send lamports to
 * the address of a token account not yet made, which leaves a system account there, and a transfer
 * planned without the account's creation would then fail.
 */
export async function accountsExistBytes(connection: Connection, keys: Uint8Array, ownerProgram?: PublicKey): Promise<{ exists: Uint8Array; requests: number }> {
  const count = keys.length / 32;
  const exists = new Uint8Array(count);
  let next = 0;
  let requests = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + GET_MULTIPLE_ACCOUNTS_MAX);
      const batch: PublicKey[] = [];
      for (let i = from; i < next; i++) batch.push(new PublicKey(keys.subarray(i * 32, (i + 1) * 32)));
      requests += 1;
      const infos = await connection.getMultipleAccountsInfo(batch, { dataSlice: { offset: 0, length: 0 } });
      infos.forEach((info, i) => {
        if (info !== null && info.lamports > 0 && (ownerProgram === undefined || info.owner.equals(ownerProgram))) exists[from + i] = 1;
      });
    }
  };
  await Promise.all(Array.from({ length: ACCOUNT_CHECKS_IN_FLIGHT }, worker));
  return { exists, requests };
}

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
  const account = info ? decodeTokenAccount(info.data) : null;
  return { rewardAvailable: account?.amount ?? 0n, solAvailable: sol, sourceFrozen: account?.frozen ?? false };
}

async function recentPriorityFee(connection: Connection, cap: number): Promise<number> {
  if (cap <= 0) return 0;
  const fees = (await connection.getRecentPrioritizationFees()).map((f) => f.prioritizationFee).sort((a, b) => a - b);
  return Math.min(cap, fees.length ? (fees[Math.floor(fees.length / 2)] as number) : 0);
}

/** Transactions needed, from how many of each kind of transfer one transaction holds. */
function* estimatePacking(builder: TransferBuilder, recipients: RecipientTable): Work<{ transactions: number; averageComputeUnits: number }> {
  if (recipients.length === 0) return { transactions: 0, averageComputeUnits: 0 };
  const dummyHash = PublicKey.default.toBase58();
  let transactions = 0;
  let cuTotal = 0;
  for (const needsAccount of [true, false]) {
    // How many of this kind, and the first few: enough to fill one sample transaction.
    const sample: number[] = [];
    let count = 0;
    for (let i = 0; i < recipients.length; i++) {
      if (recipients.needsAccount(i) !== needsAccount) continue;
      count += 1;
      if (sample.length < SAMPLE_RECIPIENTS) sample.push(i);
      if ((i & 4095) === 4095) yield;
    }
    if (count === 0) continue;
    const built = builder.build(sample, recipients, dummyHash);
    const txs = Math.ceil(count / built.recipients.length);
    transactions += txs;
    cuTotal += txs * built.computeUnitLimit;
  }
  return { transactions, averageComputeUnits: Math.ceil(cuTotal / transactions) };
}

/** More recipients than fit in one transaction of any kind (about 20 SOL transfers). */
const SAMPLE_RECIPIENTS = 64;

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

async function simulateFirst(connection: Connection, builder: TransferBuilder, recipients: RecipientTable): Promise<PlanPreview['simulation']> {
  if (recipients.length === 0) return { ok: true, unitsConsumed: 0 };
  const { blockhash } = await connection.getLatestBlockhash();
  const first = Array.from({ length: Math.min(SAMPLE_RECIPIENTS, recipients.length) }, (_, i) => i);
  const built = builder.build(first, recipients, blockhash);
  const vtx = VersionedTransaction.deserialize(built.wire);
  const res = await connection.simulateTransaction(vtx, { replaceRecentBlockhash: true, sigVerify: false });
  if (res.value.err) return { ok: false, unitsConsumed: res.value.unitsConsumed ?? 0, error: JSON.stringify(res.value.err), reason: chainErrorMessage(res.value.err) };
  return { ok: true, unitsConsumed: res.value.unitsConsumed ?? 0 };
}

function tokenAccountSize(reward: Extract<RewardAsset, { kind: 'spl' }>): number {
  // Token-2022 associated accounts carry the ImmutableOwner extension (and more for some mints).
  return reward.tokenAccountSize ?? (reward.program === 'spl-token-2022' ? 170 : 165);
}

const PLAN_ID_LENGTH = 8;

/** Short, unambiguous, easy to type in a chat: 8 characters of Crockford base32. */
export function newPlanId(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return Array.from(randomBytes(PLAN_ID_LENGTH), (b) => alphabet[b & 31]).join('');
}
