/**
 * Plain-text renderings shared by every platform: a preview, a progress line, a summary. No markup,
 * so the text reads the same in Discord, Telegram and a terminal; amounts only through formatAmount.
 */
import { formatAmount } from '../engine/amounts.js';
import { storeFullReason } from '../store/errors.js';
import type { CompletedEvent, ProgressEvent } from '../engine/events.js';
import type { Plan } from '../engine/ledger.js';
import type { PlanPreview, PreviewRisk } from '../engine/preview.js';
import type { DistributionStatus } from '../engine/service.js';

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}

/** `[██████░░░░░░░░░░░░░░]`: full only when everything is done. */
export function progressBar(done: number, total: number, width = 20): string {
  const ratio = total <= 0 ? 1 : Math.min(1, done / total);
  const filled = done >= total ? width : Math.min(width - 1, Math.floor(ratio * width));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export function percent(done: number, total: number): string {
  if (total <= 0 || done >= total) return '100%';
  return `${Math.floor((done / total) * 100)}%`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds * 10) / 10)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function sol(lamports: bigint): string {
  return `${formatAmount(lamports, 9)} SOL`;
}

export function rewardAmount(amount: bigint, plan: Pick<Plan, 'reward'>): string {
  return `${formatAmount(amount, plan.reward.decimals)} ${plan.reward.symbol}`;
}

export function confirmCommand(planId: string): string {
  return `/distribute confirm id:${planId}`;
}

export function renderPreview(preview: PlanPreview): string {
  const { plan } = preview;
  const amount = (v: bigint) => rewardAmount(v, plan);
  const left = Object.entries(preview.excluded)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${n} ${why}`);
  const risks = preview.risks.length ? preview.risks.map((r) => `  ⚠ ${riskText(r, plan)}`) : ['  none'];
  const simulation = preview.simulation.ok
    ? `passed (${preview.simulation.unitsConsumed.toLocaleString('en-US')} compute units for the first transaction)`
    : `FAILED: ${preview.simulation.error ?? 'unknown error'}`;
  const minutes = Math.max(1, Math.round((plan.expiresAt - Date.now()) / 60_000));
  return [
    `Plan ${plan.id} (${plan.network}): nothing is sent until it is confirmed.`,
    `Pay ${amount(plan.total)} to ${plan.recipients.length} holders of ${shortAddress(plan.baseMint)}, ${plan.mode}; snapshot at slot ${plan.snapshotSlot}.`,
    `Recipients: ${plan.recipients.length} of ${preview.holdersInSnapshot} holders${left.length ? ` (left out: ${left.join(', ')})` : ''}`,
    `Total: ${amount(plan.total)}`,
    `Shares: min ${amount(preview.share.min)} · median ${amount(preview.share.median)} · max ${amount(preview.share.max)}`,
    `Zero shares (not paid): ${preview.zeroShareCount}`,
    `Transactions: ${preview.transactions} · fees ${sol(preview.feeLamports)} + rent ${sol(preview.rentLamports)} (${preview.newAccounts} new accounts)`,
    `Estimated duration: about ${formatSeconds(preview.estimatedSeconds)}`,
    `Simulation: ${simulation}`,
    `Distributor holds: ${plan.reward.kind === 'sol' ? '' : `${amount(preview.balances.rewardAvailable)}, `}${sol(preview.balances.solAvailable)}`,
    'Risk flags:',
    ...risks,
    `The plan expires in ${minutes} min. To send it:`,
    confirmCommand(plan.id),
  ].join('\n');
}

/** A preview's risk, in words. */
export function riskText(risk: PreviewRisk, plan: Pick<Plan, 'reward'>): string {
  const amount = (v: bigint) => rewardAmount(v, plan);
  switch (risk.code) {
    case 'mainnet':
      return 'MAINNET: real funds move; confirming asks you to repeat the total';
    case 'large-total':
      return `large total: ${amount(risk.total)}`;
    case 'many-recipients':
      return `many recipients: ${risk.recipients}`;
    case 'capped':
      return `max:${risk.max} leaves out ${risk.leftOut} ${risk.leftOut === 1 ? 'holder' : 'holders'} that pass every other filter: they are not paid`;
    case 'off-curve-included':
      return `${risk.count} off-curve owners (pools, vaults, programs) are included`;
    case 'zero-shares':
      return `${risk.count} holders' shares round to zero and are not paid`;
    case 'below-rent-exemption':
      return `${risk.count} SOL shares are below the rent-exempt minimum for a new account and will fail`;
    case 'simulation-failed':
      return `the first transaction fails in simulation: ${risk.error}`;
    case 'source-frozen':
      return `the distributor's ${plan.reward.symbol} account is frozen: nothing can be paid from it`;
    case 'reward-short':
      return `distributor holds ${amount(risk.available)}, needs ${amount(risk.needed)}`;
    case 'sol-short':
      return `distributor holds ${sol(risk.available)}, needs ${sol(risk.needed)} for the total, fees, rent and its own reserve`;
  }
}

/** One progress message; the same counts give the same text, so an unchanged state is never re-sent. */
export function renderProgress(event: ProgressEvent, symbol: string): string {
  const settled = event.paid + event.failed;
  const amount = (v: string) => formatAmount(BigInt(v), event.decimals);
  const eta = event.etaSeconds === null ? 'ETA unknown' : `ETA ${formatSeconds(event.etaSeconds)}`;
  const lines = [
    `Distribution ${event.distributionId} · ${event.state}`,
    `${progressBar(settled, event.recipients)} ${percent(settled, event.recipients)} · ${event.paid}/${event.recipients} paid · ${event.failed} failed${event.inFlight ? ` · ${event.inFlight} in flight` : ''}`,
    `${amount(event.paidAmount)} of ${amount(event.plannedAmount)} ${symbol} · ${event.recipientsPerSecond} recipients/s · ${eta}`,
  ];
  if (event.note) lines.push(`Note: ${noteText(event.note)}`);
  return lines.join('\n');
}

export function renderSummary(event: CompletedEvent, symbol: string, csvName?: string): string {
  const amount = (v: string) => formatAmount(BigInt(v), event.decimals);
  const rate = `${Math.floor(event.successRate * 1000) / 10}%`;
  return [
    `Distribution ${event.distributionId} · ${event.state}`,
    `${progressBar(event.paid + event.failed, event.recipients)} ${event.paid}/${event.recipients} paid · ${event.failed} failed`,
    `Success rate ${rate} · ${amount(event.paidAmount)} of ${amount(event.plannedAmount)} ${symbol} paid in ${formatSeconds(event.durationMs / 1000)} · ${event.transactionsConfirmed} transactions`,
    ...(event.failed > 0 ? [`Retry the failed ones: /distribute retry id:${event.distributionId}`] : []),
    ...(csvName ? [`Report: ${csvName}`] : []),
  ].join('\n');
}

export function renderStatus(status: DistributionStatus): string {
  const { record, plan, progress } = status;
  const lines = [renderProgress(progress, plan.reward.symbol)];
  lines.push(`Total ${rewardAmount(plan.total, plan)} to ${plan.recipients.length} holders of ${shortAddress(plan.baseMint)} (${plan.mode})`);
  lines.push(`Previewed by ${who(record.createdBy)} at ${iso(record.createdAt)}`);
  if (record.confirmedBy && record.confirmedAt) lines.push(`Confirmed by ${who(record.confirmedBy)} at ${iso(record.confirmedAt)}`);
  if (record.finishedAt) lines.push(`Ended at ${iso(record.finishedAt)}`);
  if (record.state === 'paused' && record.pauseReason) lines.push(`Paused: ${record.pauseReason}`);
  if (record.state === 'previewed') lines.push(`Expires at ${iso(plan.expiresAt)}; to send it: ${confirmCommand(plan.id)}`);
  return lines.join('\n');
}

export function who(actor: { platform: string; userId: string; name?: string }): string {
  return `${actor.name ?? actor.userId} (${actor.platform})`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function csvFileName(distributionId: string): string {
  return `tributary-${distributionId}.csv`;
}

/**
 * Splits text for a platform's message limit (Discord takes 2,000 characters, Telegram 4,096)
 * between entries where it can: before a line that does not start with whitespace, since an
 * indented line continues the entry above it (a /help usage line and its description, a wallet and
 * its rewards). Failing that, at any line end; failing that, at the limit.
 */
export function splitText(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = lastEntryStart(rest, limit);
    if (cut <= 0) cut = rest.lastIndexOf('\n', limit);
    if (cut <= 0) cut = limit;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}

/** The last line end at or before `limit` that is followed by an unindented line; -1 if none. */
function lastEntryStart(text: string, limit: number): number {
  for (let at = text.lastIndexOf('\n', limit); at > 0; at = text.lastIndexOf('\n', at - 1)) {
    const next = text[at + 1];
    if (next !== undefined && !/\s/.test(next)) return at;
  }
  return -1;
}

/**
 * A run's note as people should read it. The engine waits out a store that cannot write like an
 * RPC outage and words both as "waiting for the RPC endpoint since …: <error>"; a full disk is named
 * as what it is, with what to do.
 */
export function noteText(note: string): string {
  const full = storeFullReason(note);
  if (full === null) return note;
  const since = /since (\S+?):/.exec(note)?.[1];
  return `the store cannot write${since ? ` since ${since}` : ''}: ${full}. Free space in the data directory; the run waits and goes on by itself, and nothing is paid twice`;
}
