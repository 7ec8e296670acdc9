/** The keys of results.json (issue 6), in order, with the design's target where there is one. */
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
] as const;

export type ResultKey = (typeof RESULT_KEYS)[number];
export type Results = Partial<Record<ResultKey, number>>;

export interface Target {
  /** How the figure is judged against the target. */
  check(value: number, all: Results): boolean | null;
  text: string;
  source: string;
}

const SEED = 'seed §1';
export const TARGETS: Partial<Record<ResultKey, Target>> = {
  snapshot_holders_per_s: { check: (v) => v >= 100, text: '>= 100 wallets/s', source: `${SEED} 1.2.1` },
  recipients_per_s_1k: { check: (v) => v >= 430, text: '> 430/s (FACTS: batched payer)', source: 'FACTS.md' },
  recipients_per_s_10k: { check: (v) => v >= 430, text: '> 430/s (FACTS: batched payer)', source: 'FACTS.md' },
  tx_built_per_s: { check: (v) => v >= 50, text: '>= 50 tx/s', source: `${SEED} 1.2.1` },
  rpc_requests_per_recipient: { check: (v) => v <= 0.15, text: '<= 0.15 (floor ~0.125)', source: 'issue 6' },
  throttled_1k_seconds: {
    check: (v, all) => (all.throttled_floor_seconds === undefined ? null : v <= 1.15 * all.throttled_floor_seconds),
    text: '<= 1.15 x floor',
    source: 'issue 6',
  },
  throttled_429: { check: (v) => v === 0, text: '0', source: 'issue 6' },
  idle_rss_mb: { check: (v) => v <= 100, text: '<= 100 MB', source: `${SEED} 1.2.2` },
  peak_rss_mb_10k: { check: (v) => v <= 250, text: '<= 250 MB', source: 'issue 6 (seed: <= 500 MB while working)' },
  rewards_p95_ms_under_load: { check: (v) => v <= 300, text: '<= 300 ms', source: 'issue 6' },
  help_ms: { check: (v) => v <= 50, text: '<= 50 ms', source: `${SEED} 1.1.1` },
  config_show_ms: { check: (v) => v <= 100, text: '<= 100 ms', source: `${SEED} 1.1.1` },
  snapshot_holders_per_s_1m: { check: (v) => v >= 100, text: '>= 100 wallets/s', source: `${SEED} 1.2.1` },
  peak_rss_mb_preview_1m: { check: (v) => v <= 500, text: '<= 500 MB', source: `issue 10 (${SEED} 1.2.2: <= 500 MB while working)` },
  event_loop_max_ms_10k: { check: (v) => v <= 50, text: '<= 50 ms', source: 'issue 10' },
  event_loop_max_ms_1m_preview: { check: (v) => v <= 50, text: '<= 50 ms', source: 'issue 10' },
};
