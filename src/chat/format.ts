/**
 * Plain-text renderings shared by every platform: a preview, a progress line, a summary. No markup,
 * so the text reads the same in Discord, Telegram and a terminal; words only from the caller's
 * catalogue (src/i18n), amounts exact (src/i18n/format.ts).
 */
import { shortAddress } from '../engine/address.js';
import { storeFullReason } from '../store/errors.js';
import type { CompletedEvent, DistributionState, ProgressEvent } from '../engine/events.js';
import type { Plan } from '../engine/ledger.js';
import type { PlanPreview, PreviewRisk } from '../engine/preview.js';
import type { DistributionStatus } from '../engine/service.js';
import type { ExclusionReason } from '../engine/snapshot.js';
import {
  amountParam,
  DEFAULT_LOCALE,
  durationParam,
  formatCount,
  instantParam,
  iso,
  lamportsParam,
  listParam,
  msg,
  renderParam,
  type Locale,
  type Message,
  type Translator,
} from '../i18n/index.js';
import type { AmountParam } from '../i18n/message.js';

/** Addresses are shortened the engine's way (one function for every message). */
export { shortAddress };

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

/** A length of time in the locale's words: "2 min 5 s", "2 分 5 秒". */
export function formatSeconds(seconds: number, locale: Locale = DEFAULT_LOCALE): string {
  return renderParam(locale, durationParam(seconds));
}

/** Amounts read the same in every language we speak (digits and a dot, as commands accept them). */
export function sol(lamports: bigint): string {
  return renderParam(DEFAULT_LOCALE, lamportsParam(lamports));
}

export function rewardAmount(amount: bigint, plan: Pick<Plan, 'reward'>): string {
  return renderParam(DEFAULT_LOCALE, rewardParam(amount, plan));
}

/** An amount of `plan`'s reward, exact, with its symbol. */
export function rewardParam(amount: bigint, plan: Pick<Plan, 'reward'>): AmountParam {
  return amountParam(amount, plan.reward.decimals, plan.reward.symbol);
}

export function confirmCommand(planId: string): string {
  return `/distribute confirm id:${planId}`;
}

export function stateParam(state: DistributionState): Message {
  return msg(`unit.state.${state}`);
}

export function renderPreview(preview: PlanPreview, t: Translator): string {
  const { plan } = preview;
  const amount = (v: bigint) => rewardParam(v, plan);
  const left = (Object.entries(preview.excluded) as [ExclusionReason, number][]).filter(([, n]) => n > 0).map(([why, count]) => msg(`preview.excluded.${why}`, { count }));
  const risks = preview.risks.length ? preview.risks.map((r) => t('preview.riskLine', { risk: riskMessage(r, plan) })) : [t('preview.noRisk')];
  // A failure is said in the reader's words; the chain's own JSON follows on a line marked as technical detail.
  const { simulation: sim } = preview;
  const simulation = sim.ok
    ? t('preview.simulationPassed', { units: formatCount(sim.unitsConsumed, t.locale) })
    : [t('preview.simulationFailed', { error: sim.reason ?? msg('unit.unknownError') }), ...(sim.error ? [t('preview.chainAnswer', { raw: sim.error })] : [])].join('\n');
  const minutes = Math.max(1, Math.round((plan.expiresAt - Date.now()) / 60_000));
  const holds =
    plan.reward.kind === 'sol' ? [lamportsParam(preview.balances.solAvailable)] : [amount(preview.balances.rewardAvailable), lamportsParam(preview.balances.solAvailable)];
  return [
    t('preview.header', { id: plan.id, network: plan.network }),
    t('preview.pay', {
      total: amount(plan.total),
      recipients: plan.recipients.length,
      mint: shortAddress(plan.baseMint),
      mode: msg(`unit.mode.${plan.mode}`),
      slot: plan.snapshotSlot,
    }),
    t('preview.recipients', { recipients: plan.recipients.length, holders: preview.holdersInSnapshot }) +
      (left.length ? t('preview.leftOut', { list: listParam(left, { short: true }) }) : ''),
    t('preview.total', { total: amount(plan.total) }),
    t('preview.shares', { min: amount(preview.share.min), median: amount(preview.share.median), max: amount(preview.share.max) }),
    t('preview.zeroShares', { count: preview.zeroShareCount }),
    t('preview.transactions', {
      transactions: preview.transactions,
      fees: lamportsParam(preview.feeLamports),
      rent: lamportsParam(preview.rentLamports),
      accounts: preview.newAccounts,
    }),
    t('preview.duration', { duration: durationParam(preview.estimatedSeconds) }),
    simulation,
    t('preview.holds', { balances: holds.map((h) => renderParam(t.locale, h)).join(t('unit.shortListSeparator')) }),
    t('preview.risks'),
    ...risks,
    t('preview.expires', { minutes }),
    confirmCommand(plan.id),
  ].join('\n');
}

/** A preview's risk, as the catalogue words it. */
export function riskMessage(risk: PreviewRisk, plan: Pick<Plan, 'reward'>): Message {
  const amount = (v: bigint) => rewardParam(v, plan);
  switch (risk.code) {
    case 'mainnet':
      return msg('risk.mainnet');
    case 'large-total':
      return msg('risk.large-total', { total: amount(risk.total) });
    case 'many-recipients':
      return msg('risk.many-recipients', { recipients: risk.recipients });
    case 'capped':
      return msg('risk.capped', { max: risk.max, count: risk.leftOut });
    case 'off-curve-included':
      return msg('risk.off-curve-included', { count: risk.count });
    case 'zero-shares':
      return msg('risk.zero-shares', { count: risk.count });
    case 'below-rent-exemption':
      return msg('risk.below-rent-exemption', { count: risk.count });
    case 'simulation-failed':
      return msg('risk.simulation-failed', { error: risk.reason });
    case 'source-frozen':
      return msg('risk.source-frozen', { symbol: plan.reward.symbol });
    case 'reward-short':
      return msg('risk.reward-short', { available: amount(risk.available), needed: amount(risk.needed) });
    case 'sol-short':
      return msg('risk.sol-short', { available: lamportsParam(risk.available), needed: lamportsParam(risk.needed) });
  }
}

/** One progress message; the same counts give the same text, so an unchanged state is never re-sent. */
export function renderProgress(event: ProgressEvent, symbol: string, t: Translator): string {
  const settled = event.paid + event.failed;
  const amount = (v: string) => amountParam(BigInt(v), event.decimals);
  const eta = event.etaSeconds === null ? t('progress.etaUnknown') : t('progress.eta', { duration: durationParam(event.etaSeconds) });
  const lines = [
    t('progress.header', { id: event.distributionId, state: stateParam(event.state) }),
    t('progress.counts', {
      bar: progressBar(settled, event.recipients),
      percent: percent(settled, event.recipients),
      paid: event.paid,
      recipients: event.recipients,
      failed: event.failed,
    }) + (event.inFlight ? t('progress.inFlight', { count: event.inFlight }) : ''),
    t('progress.amounts', { paid: amount(event.paidAmount), planned: amount(event.plannedAmount), symbol, rate: event.recipientsPerSecond, eta }),
  ];
  if (event.note) lines.push(t('progress.note', { note: noteText(event.note, t) }));
  return lines.join('\n');
}

export function renderSummary(event: CompletedEvent, symbol: string, t: Translator, csvName?: string): string {
  const amount = (v: string) => amountParam(BigInt(v), event.decimals);
  const rate = `${Math.floor(event.successRate * 1000) / 10}%`;
  return [
    t('progress.header', { id: event.distributionId, state: stateParam(event.state) }),
    t('summary.counts', { bar: progressBar(event.paid + event.failed, event.recipients), paid: event.paid, recipients: event.recipients, failed: event.failed }),
    t('summary.rate', {
      rate,
      paid: amount(event.paidAmount),
      planned: amount(event.plannedAmount),
      symbol,
      duration: durationParam(event.durationMs / 1000),
      transactions: event.transactionsConfirmed,
    }),
    ...(event.failed > 0 ? [t('summary.retry', { id: event.distributionId })] : []),
    ...(csvName ? [t('summary.report', { file: csvName })] : []),
  ].join('\n');
}

export function renderStatus(status: DistributionStatus, t: Translator): string {
  const { record, plan, progress } = status;
  const lines = [renderProgress(progress, plan.reward.symbol, t)];
  lines.push(
    t('status.total', { total: rewardParam(plan.total, plan), recipients: plan.recipients.length, mint: shortAddress(plan.baseMint), mode: msg(`unit.mode.${plan.mode}`) }),
  );
  lines.push(t('status.previewed', { who: who(record.createdBy), at: instantParam(record.createdAt) }));
  if (record.confirmedBy && record.confirmedAt) lines.push(t('status.confirmed', { who: who(record.confirmedBy), at: instantParam(record.confirmedAt) }));
  if (record.finishedAt) lines.push(t('status.ended', { at: instantParam(record.finishedAt) }));
  if (record.state === 'paused' && record.pauseReason) lines.push(t('status.paused', { reason: noteText(record.pauseReason, t) }));
  if (record.state === 'previewed') lines.push(t('status.expires', { at: instantParam(plan.expiresAt), id: plan.id }));
  return lines.join('\n');
}

/** Who did something: their name and platform. */
export function who(actor: { platform: string; userId: string; name?: string }): Message {
  return msg('unit.who', { name: actor.name ?? actor.userId, platform: actor.platform });
}

export { iso };

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
 * A run's note or pause reason as people should read it: the engine says it as a Message; a
 * store that cannot write is named as what it is, with what to do (the engine waits it out like an
 * RPC outage, so its note is the outage's, with the store's error).
 */
export function noteText(note: Message | string, t: Translator): string {
  if (typeof note === 'string') return note;
  const error = note.params?.['error'];
  const full = typeof error === 'string' ? storeFullReason(error) : null;
  if (note.key === 'note.rpcWaiting' && full !== null) return t('note.storeFull', { since: note.params?.['since'] ?? '', reason: msg(`storeFull.${full}`) });
  return t.say(note);
}
