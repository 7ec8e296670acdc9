/** The keys of results.json, in order, with the design's target where there is one. */
export const RESULT_KEYS = [
  'snapshot_holders_per_s',
  'recipients_per_s_1k',
  'recipients_per_s_10k',
  'tx_built_per_s',
  'rpc_requests_per_recipient',
  'baseline_rpc_requests_per_recipient',
  'baseline_recipients_per_s',
  'throttled_1k_seconds',
  'throttled_floor_seconds',
  'throttled_429',
  'idle_rss_mb',
  'peak_rss_mb_10k',
  'rewards_p95_ms_under_load',
  'help_ms',
  'config_show_ms',
  'node_startup_ms',
  'snapshot_holders_per_s_1m',
  'preview_seconds_100k',
  'peak_rss_mb_preview_10k',
  'peak_rss_mb_preview_100k',
  'peak_rss_mb_preview_1m',
  'event_loop_max_ms_10k',
  'event_loop_max_ms_1m_preview',
  'peak_rss_mb_100k',
  'recipients_per_s_100k',
  'discord_first_callback_ms_10k',
  'transactions_per_1k_recurring_legacy',
  'transactions_per_1k_recurring_lookup',
  'throttled_10k_recurring_seconds_legacy',
  'throttled_10k_recurring_seconds_lookup',
] as const;

export type ResultKey = (typeof RESULT_KEYS)[number];
export type Results = Partial<Record<ResultKey, number>>;

export interface Target {
  /** How the figure is judged against the target. */
  check(value: number, all: Results): boolean | null;
  text: string;
  source: string;
}

/** Where each target comes from, restated in the repository. */
const SEED = 'docs/targets.md';
export const TARGETS: Partial<Record<ResultKey, Target>> = {
  transactions_per_1k_recurring_lookup: {
    check: (v, all) => (all.transactions_per_1k_recurring_legacy === undefined ? null : v <= 0.5 * all.transactions_per_1k_recurring_legacy),
    text: '<= 0.5 x legacy',
    source: 'docs/targets.md',
  },
  snapshot_holders_per_s: { check: (v) => v >= 100, text: '>= 100 wallets/s', source: SEED },
  recipients_per_s_1k: { check: (v) => v >= 430, text: '> 430/s', source: 'docs/targets.md' },
  recipients_per_s_10k: { check: (v) => v >= 430, text: '> 430/s', source: 'docs/targets.md' },
  tx_built_per_s: { check: (v) => v >= 50, text: '>= 50 tx/s', source: SEED },
  rpc_requests_per_recipient: { check: (v) => v <= 0.15, text: '<= 0.15 (floor ~0.125)', source: 'docs/targets.md' },
  throttled_1k_seconds: {
    check: (v, all) => (all.throttled_floor_seconds === undefined ? null : v <= 1.15 * all.throttled_floor_seconds),
    text: '<= 1.15 x floor',
    source: 'docs/targets.md',
  },
  throttled_429: { check: (v) => v === 0, text: '0', source: 'docs/targets.md' },
  idle_rss_mb: { check: (v) => v <= 100, text: '<= 100 MB', source: SEED },
  peak_rss_mb_10k: { check: (v) => v <= 250, text: '<= 250 MB', source: 'docs/targets.md' },
  rewards_p95_ms_under_load: { check: (v) => v <= 300, text: '<= 300 ms', source: 'docs/targets.md' },
  help_ms: { check: (v) => v <= 50, text: '<= 50 ms', source: SEED },
  config_show_ms: { check: (v) => v <= 100, text: '<= 100 ms', source: SEED },
  snapshot_holders_per_s_1m: { check: (v) => v >= 100, text: '>= 100 wallets/s', source: SEED },
  peak_rss_mb_preview_1m: { check: (v) => v <= 500, text: '<= 500 MB', source: 'docs/targets.md' },
  event_loop_max_ms_10k: { check: (v) => v <= 50, text: '<= 50 ms', source: 'docs/targets.md' },
  event_loop_max_ms_1m_preview: { check: (v) => v <= 50, text: '<= 50 ms', source: 'docs/targets.md' },
  peak_rss_mb_100k: { check: (v) => v <= 400, text: '<= 400 MB', source: 'docs/targets.md' },
  recipients_per_s_100k: {
    check: (v, all) => (all.recipients_per_s_10k === undefined ? null : v >= all.recipients_per_s_10k),
    text: '>= recipients_per_s_10k',
    source: 'docs/targets.md',
  },
  discord_first_callback_ms_10k: { check: (v) => v <= 1_000, text: '<= 1,000 ms', source: 'docs/targets.md' },
};
