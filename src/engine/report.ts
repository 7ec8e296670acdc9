import { writeCsvFile } from './csv.js';
import { formatAmount } from './amounts.js';
import type { ReportFile } from './events.js';
import type { Plan } from './ledger.js';
import type { LedgerView, RecipientStatus } from './owed.js';

export interface RecipientReportRow {
  recipient: string;
  amount: string;
  status: RecipientStatus;
  signature: string;
  error: string;
}

/** One row per planned recipient: planned = paid + failed (+ pending while it runs). */
export function recipientReport(plan: Plan, states: LedgerView): RecipientReportRow[] {
  const rows: RecipientReportRow[] = [];
  for (let i = 0; i < plan.recipients.length; i++) rows.push(reportRow(plan, states, i));
  return rows;
}

/** Row `i` of the report. */
function reportRow(plan: Plan, states: LedgerView, i: number): RecipientReportRow {
  const s = states.state(i);
  return {
    recipient: plan.recipients.owner(i),
    amount: formatAmount(plan.recipients.amount(i), plan.reward.decimals),
    status: s.status,
    signature: s.signature ?? '',
    error: s.reason ?? '',
  };
}

const HEADER = ['recipient', 'amount', 'asset', 'status', 'signature', 'error'];

/** The report's CSV lines, made one at a time as the file takes them. */
function* csvRows(plan: Plan, states: LedgerView): Generator<string[]> {
  const asset = plan.reward.kind === 'sol' ? 'SOL' : plan.reward.mint;
  for (let i = 0; i < plan.recipients.length; i++) {
    const row = reportRow(plan, states, i);
    yield [row.recipient, row.amount, asset, row.status, row.signature, row.error];
  }
}

/** Writes the report as CSV (RFC 4180, a header, one line per planned recipient) to `path`. */
export async function writeReportCsv(path: string, plan: Plan, states: LedgerView): Promise<ReportFile> {
  const written = await writeCsvFile(path, HEADER, csvRows(plan, states));
  return { path, ...written };
}
