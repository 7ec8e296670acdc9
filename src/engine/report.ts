import { csvText } from './csv.js';
import { formatAmount } from './amounts.js';
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

/** RFC 4180 CSV with a header; a field with a comma, quote or newline is quoted. */
export function reportCsv(plan: Plan, rows: readonly RecipientReportRow[]): string {
  const header = ['recipient', 'amount', 'asset', 'status', 'signature', 'error'];
  const asset = plan.reward.kind === 'sol' ? 'SOL' : plan.reward.mint;
  return csvText(
    header,
    rows.map((row) => [row.recipient, row.amount, asset, row.status, row.signature, row.error]),
  );
}
