/**
 * `npm run bench`: measures Tributary on the local chain against the design's targets and writes
 * bench/RESULTS.md and bench/results.json. `npm run bench -- --quick` is the smoke mode:
 * small sizes, the tsx loader instead of a build, results under bench/out/quick/ unless --out says.
 *
 * Processes: the chain runs as `tributary localnet` in its own process, each engine measurement in
 * a fresh worker process (bench/workers/), so memory and CPU figures are the engine's own and the
 * two cores are shared as they would be between a node and the bot. Worker processes run node with
 * the flags of package.json's "start" script (bench/lib/runtime.ts startFlags()), as `npm start` does.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { busyProcesses, machineInfo } from './lib/machine.js';
import { RESULT_KEYS, type Results } from './lib/targets.js';
import { build, REPO_ROOT, startFlags, type Runtime } from './lib/runtime.js';
import { median, round } from './lib/stats.js';
import { renderResults, type Details, type RunMeta } from './report.js';
import { runBaseline } from './scenarios/baseline.js';
import { benchCliLatency, type CliLatencyResult } from './scenarios/cli-latency.js';
import { benchBulkDistribution, benchConsole, benchIdleVariants, benchLarge, benchLargeWithFlags, benchSmall, benchThrottled } from './scenarios/engine.js';
import { benchDiscordPreview } from './scenarios/discord.js';
import { benchRecurring } from './scenarios/recurring.js';
import { benchTxBuild } from './scenarios/tx-build.js';
import { bundleCli } from './prototypes/bundle-cli.js';
import { benchPreviewScale } from './scenarios/preview-scale.js';
import { startChainProcess } from './lib/chain-process.js';

export interface BenchOptions {
  quick: boolean;
  outDir: string;
  runtime: Runtime;
  /**
   * Also run the comparisons: the 10k distribution and the idle app on a plain `node` (without the
   * start script's flags), and the CLI from the bench/prototypes/bundle-cli.ts bundle.
   */
  prototypes: boolean;
  log: (line: string) => void;
}

export const SIZES = {
  full: {
    large: 10_000,
    snapshotRuns: 5,
    small: 1_000,
    throttled: 1_000,
    console: 1_000,
    baseline: 200,
    cliRuns: 21,
    replies: 30,
    idleSettleMs: 5_000,
    idleReps: 3,
    txBuild: 1_000,
    txRounds: 5,
  },
  quick: { large: 300, snapshotRuns: 2, small: 100, throttled: 60, console: 60, baseline: 10, cliRuns: 3, replies: 3, idleSettleMs: 500, idleReps: 1, txBuild: 100, txRounds: 1 },
} as const;

/** Holder counts of the large-community scenario; the results' keys name the full sizes (10k, 100k, 1m). */
export const PREVIEW_SCALE_SIZES = { full: [10_000, 100_000, 1_000_000], quick: [1_000] } as const;

/** The large-community distribution (`peak_rss_mb_100k`) and the Discord preview (`discord_first_callback_ms_10k`). */
export const COMMUNITY_SIZES = { full: { distribution: 100_000, discord: 10_000 }, quick: { distribution: 500, discord: 500 } } as const;

/** Parts `--only` runs (comma-separated), merged into the results already in the output folder. */
const ONLY_PARTS = ['preview-scale', 'distribution-100k', 'discord-10k', 'recurring-10k', 'cli'] as const;

/** Holders of the repeat-distribution scenario (legacy vs lookup tables, throttled). */
export const RECURRING_SIZES = { full: 10_000, quick: 300 } as const;
type OnlyPart = (typeof ONLY_PARTS)[number];

export async function runBench(opts: BenchOptions): Promise<{ results: Results; details: Details }> {
  const size = opts.quick ? SIZES.quick : SIZES.full;
  const { log, runtime } = opts;
  const details: Details = { machine: machineInfo(REPO_ROOT), quick: opts.quick, runtime, startFlags: startFlags(), sizes: size, startedAt: Date.now() } as Details;
  if (details.machine.busy.length)
    log(`other busy processes at start (figures will be disturbed): ${details.machine.busy.map((p) => `${p.pid} ${p.cpu}% ${p.command}`).join('; ')}`);
  if (runtime === 'compiled') {
    log('building src/ and bench/ with tsc into bench/out/dist ...');
    details.build = await build();
  }

  log(`tx build: ${size.txBuild} recipients x ${size.txRounds} rounds (in-process, no RPC)`);
  details.txBuild = benchTxBuild(size.txBuild, size.txRounds);

  log(`snapshot and distribution: ${size.large} holders`);
  details.large = await benchLarge(runtime, size.large, size.snapshotRuns);

  if (opts.prototypes) {
    log(`distribution: ${size.large} holders, engine on a plain node (without ${startFlags().join(' ')})`);
    details.largePlainNode = await benchLargeWithFlags(runtime, size.large, []);
  }

  log(`distribution: ${size.small} holders, checked on chain; then an idle engine`);
  details.small = await benchSmall(runtime, size.small, size.idleSettleMs);

  log(`throttled distribution: ${size.throttled} holders under the public-mainnet limit`);
  details.throttled = await benchThrottled(runtime, size.throttled, !opts.quick);

  log(`baseline: ${size.baseline} recipients, one per transaction, sendAndConfirmTransaction`);
  const baselineChain = await startChainProcess(runtime, { holders: size.baseline });
  try {
    details.baseline = await runBaseline(baselineChain, size.baseline);
  } finally {
    await baselineChain.close();
  }

  log(`console: the whole app, /help and /config show, then /rewards under a throttled ${size.console}-holder distribution`);
  details.console = await benchConsole(runtime, size.console, { replies: size.replies, settleMs: size.idleSettleMs, waitWindow: !opts.quick });

  log(`idle: the whole app against a chain, ${size.idleReps} processes per variant`);
  details.idle = await benchIdleVariants(runtime, size.small, { settleMs: size.idleSettleMs, replies: size.replies, reps: size.idleReps, withPlainNode: opts.prototypes });

  const command = opts.quick ? 'npm run bench -- --quick' : 'npm run bench';
  await measurePreviewScale(opts, details, PREVIEW_SCALE_SIZES[opts.quick ? 'quick' : 'full'], command);
  await measureBulkDistribution(opts, details, command);
  await measureDiscordPreview(opts, details, command);
  await measureRecurring(opts, details, command);

  log(`CLI processes: node -e 0, tributary --help, tributary config show x ${size.cliRuns}`);
  details.cli = benchCliLatency(runtime, size.cliRuns, opts.prototypes ? bundleCli() : null);
  details.finishedAt = Date.now();
  details.loadAverageEnd = loadavg().map((x) => round(x, 2));
  details.busyAtEnd = busyProcesses();

  const d = details as Required<Details>;
  const results: Results = {
    snapshot_holders_per_s: round(d.large.snapshot.holders / (median(d.large.snapshot.runsMs) / 1000), 1),
    recipients_per_s_1k: round(d.small.distribution.paid / (d.small.distribution.runMs / 1000), 1),
    recipients_per_s_10k: round(d.large.distribution.paid / (d.large.distribution.runMs / 1000), 1),
    tx_built_per_s: round(d.txBuild.txPerS, 1),
    rpc_requests_per_recipient: round(d.small.distribution.runStats.requests / d.small.distribution.recipients, 4),
    baseline_rpc_requests_per_recipient: round(d.baseline.requestsPerRecipient, 3),
    baseline_recipients_per_s: round(d.baseline.recipientsPerS, 1),
    throttled_1k_seconds: round(d.throttled.seconds, 2),
    throttled_floor_seconds: round(d.throttled.floorSeconds, 2),
    throttled_429: d.throttled.rateLimited,
    idle_rss_mb: round((d.idle[0] ?? { idleRssMb: Number.NaN }).idleRssMb, 1),
    peak_rss_mb_10k: round(d.large.distribution.maxRssMb, 1),
    rewards_p95_ms_under_load: round(d.console.rewardsP95Ms, 1),
    ...cliResults(d.cli),
    ...previewScaleResults(d),
    ...communityResults(d),
    ...recurringResults(d),
  };
  mkdirSync(opts.outDir, { recursive: true });
  const ordered = Object.fromEntries(RESULT_KEYS.map((k) => [k, results[k]]));
  writeFileSync(join(opts.outDir, 'results.json'), `${JSON.stringify(ordered, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'details.json'), `${JSON.stringify(details, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'RESULTS.md'), renderResults(results, details, readNotes()));
  log(`wrote ${relative(REPO_ROOT, join(opts.outDir, 'results.json'))} and RESULTS.md`);
  return { results, details };
}

/** The large-community figures: rows for 10k, 100k and 1M holders (one small size fills all three with --quick). */
async function measurePreviewScale(opts: BenchOptions, details: Details, sizes: readonly number[], command: string): Promise<void> {
  const startLoad = loadavg().map((x) => round(x, 2));
  details.previewScale = await benchPreviewScale(opts.runtime, sizes, opts.log);
  details.previewScaleRun = { command, date: new Date().toISOString(), commit: details.machine.commit, loadAverage: startLoad, loadAverageEnd: loadavg().map((x) => round(x, 2)) };
}

function runMeta(details: Details, command: string, startLoad: number[]): RunMeta {
  return { command, date: new Date().toISOString(), commit: details.machine.commit, loadAverage: startLoad, loadAverageEnd: loadavg().map((x) => round(x, 2)) };
}

/** One distribution to every holder of a bulk-seeded token (100,000 in a full run). */
async function measureBulkDistribution(opts: BenchOptions, details: Details, command: string): Promise<void> {
  const size = COMMUNITY_SIZES[opts.quick ? 'quick' : 'full'].distribution;
  opts.log(`distribution: ${size} holders of a bulk-seeded token (preview and payment in one engine process)`);
  const startLoad = loadavg().map((x) => round(x, 2));
  const result = await benchBulkDistribution(opts.runtime, size);
  details.bulkDistribution = { ...result, run: runMeta(details, command, startLoad) };
  const d = result.distribution;
  opts.log(`  paid ${d.paid} in ${(d.runMs / 1000).toFixed(1)} s (${(d.paid / (d.runMs / 1000)).toFixed(0)}/s), kernel maxRSS ${d.maxRssMb.toFixed(0)} MB`);
}

/** The Discord bot's first callback to a `/distribute preview` of a bulk-seeded token (10,000 in a full run). */
async function measureDiscordPreview(opts: BenchOptions, details: Details, command: string): Promise<void> {
  const size = COMMUNITY_SIZES[opts.quick ? 'quick' : 'full'].discord;
  opts.log(`Discord: /distribute preview of ${size} holders and /help at the same moment (the app's bot against the Discord stand-in)`);
  const startLoad = loadavg().map((x) => round(x, 2));
  const result = await benchDiscordPreview(opts.runtime, size);
  details.discordPreview = { ...result, run: runMeta(details, command, startLoad) };
  opts.log(
    `  first callback ${result.previewFirstCallbackMs.toFixed(0)} ms (type ${result.previewAckType}), /help ${result.helpFirstCallbackMs.toFixed(0)} ms, answered ${(result.previewAnsweredMs / 1000).toFixed(1)} s`,
  );
}

/** A repeat distribution to existing token accounts, legacy and with a schedule's lookup tables, under the public-mainnet budget. */
async function measureRecurring(opts: BenchOptions, details: Details, command: string): Promise<void> {
  const size = RECURRING_SIZES[opts.quick ? 'quick' : 'full'];
  opts.log(`repeat distribution: ${size} existing token accounts, legacy then lookup tables, under the public-mainnet limit`);
  const startLoad = loadavg().map((x) => round(x, 2));
  const result = await benchRecurring(opts.runtime, size, !opts.quick);
  details.recurring = { ...result, run: runMeta(details, command, startLoad) };
  const legacy = result.legacy.occurrences[0];
  const lookup = result.lookup.occurrences[result.lookup.occurrences.length - 1];
  if (legacy && lookup)
    opts.log(
      `  legacy ${legacy.transactions} transactions in ${(legacy.runMs / 1000).toFixed(1)} s; lookup tables ${lookup.transactions} in ${(lookup.runMs / 1000).toFixed(1)} s`,
    );
}

function recurringResults(d: Details): Results {
  const r = d.recurring;
  const legacy = r?.legacy.occurrences[0];
  const lookup = r?.lookup.occurrences[r.lookup.occurrences.length - 1];
  if (!legacy || !lookup) return {};
  return {
    transactions_per_1k_recurring_legacy: round((legacy.transactions * 1000) / legacy.recipients, 1),
    transactions_per_1k_recurring_lookup: round((lookup.transactions * 1000) / lookup.recipients, 1),
    throttled_10k_recurring_seconds_legacy: round(legacy.runMs / 1000, 2),
    throttled_10k_recurring_seconds_lookup: round(lookup.runMs / 1000, 2),
  };
}

function cliResults(c: CliLatencyResult): Results {
  return { help_ms: round(c.helpMs, 1), config_show_ms: round(c.configShowMs, 1), node_startup_ms: round(c.nodeStartupMs, 1) };
}

function communityResults(d: Details): Results {
  const out: Results = {};
  const dist = d.bulkDistribution?.distribution;
  if (dist) {
    out.peak_rss_mb_100k = round(dist.maxRssMb, 1);
    out.recipients_per_s_100k = round(dist.paid / (dist.runMs / 1000), 1);
  }
  if (d.discordPreview) out.discord_first_callback_ms_10k = round(d.discordPreview.previewFirstCallbackMs, 1);
  return out;
}

function previewScaleResults(d: Details): Results {
  const rows = d.previewScale ?? [];
  const small = rows[0];
  const middle = rows[1] ?? rows[rows.length - 1];
  const large = rows[2] ?? rows[rows.length - 1];
  if (!small || !middle || !large) return {};
  return {
    snapshot_holders_per_s_1m: round(large.holders / (large.snapshot.ms / 1000), 1),
    preview_seconds_100k: round(middle.preview.ms / 1000, 2),
    peak_rss_mb_preview_10k: round(small.preview.peakRssMb, 1),
    peak_rss_mb_preview_100k: round(middle.preview.peakRssMb, 1),
    peak_rss_mb_preview_1m: round(large.preview.peakRssMb, 1),
    event_loop_max_ms_10k: round(small.preview.eventLoopMaxMs, 1),
    event_loop_max_ms_1m_preview: round(large.preview.eventLoopMaxMs, 1),
  };
}

/**
 * `npm run bench -- --only preview-scale,distribution-100k,discord-10k,recurring-10k,cli [--sizes 10000,100000,1000000]`:
 * only those parts (the large-community ones, or the command-line processes) (`--sizes` is the preview scale's), merged into the results.json,
 * details.json and RESULTS.md already in the output folder (the other figures keep the run they
 * came from, whose date and commit RESULTS.md shows).
 */
export async function runOnly(opts: BenchOptions, parts: readonly OnlyPart[], sizes: readonly number[]): Promise<void> {
  let details: Details;
  let results: Results;
  try {
    details = JSON.parse(readFileSync(join(opts.outDir, 'details.json'), 'utf8')) as Details;
    results = JSON.parse(readFileSync(join(opts.outDir, 'results.json'), 'utf8')) as Results;
  } catch {
    details = { machine: machineInfo(REPO_ROOT), quick: opts.quick, runtime: opts.runtime, startFlags: startFlags(), sizes: {}, startedAt: Date.now() } as Details;
    results = {};
  }
  const startDetails = JSON.stringify(details);
  const startResults = JSON.stringify(results);
  if (opts.runtime === 'compiled') {
    opts.log('building src/ and bench/ with tsc into bench/out/dist ...');
    await build();
  }
  // The other figures keep their own run's machine line; this run's commit and load go with its rows.
  const here = { ...details, machine: machineInfo(REPO_ROOT) } as Details;
  const command = `npm run bench -- ${opts.quick ? '--quick ' : ''}--only ${parts.join(',')}${parts.includes('preview-scale') ? ` --sizes ${sizes.join(',')}` : ''}`;
  if (parts.includes('preview-scale')) {
    await measurePreviewScale(opts, here, sizes, command);
    details.previewScale = here.previewScale;
    details.previewScaleRun = here.previewScaleRun;
    Object.assign(results, previewScaleResults(details));
  }
  if (parts.includes('distribution-100k')) {
    await measureBulkDistribution(opts, here, command);
    details.bulkDistribution = here.bulkDistribution;
  }
  if (parts.includes('discord-10k')) {
    await measureDiscordPreview(opts, here, command);
    details.discordPreview = here.discordPreview;
  }
  if (parts.includes('recurring-10k')) {
    await measureRecurring(opts, here, command);
    details.recurring = here.recurring;
  }
  if (parts.includes('cli')) {
    const startLoad = loadavg().map((x) => round(x, 2));
    const runs = SIZES[opts.quick ? 'quick' : 'full'].cliRuns;
    opts.log(`CLI processes: node -e 0, tributary --help, tributary config show x ${runs}`);
    details.cli = benchCliLatency(opts.runtime, runs, opts.prototypes ? bundleCli() : null);
    details.cliRun = runMeta(here, command, startLoad);
    Object.assign(results, cliResults(details.cli));
  }
  Object.assign(results, communityResults(details), recurringResults(details));
  // Another --only run may have written the files while this one measured: only the parts this run
  // measured replace what is there now.
  const latest = readOutput(opts.outDir);
  if (latest) {
    for (const key of changedKeys(startDetails, details)) (latest.details as unknown as Record<string, unknown>)[key] = (details as unknown as Record<string, unknown>)[key];
    for (const key of changedKeys(startResults, results)) (latest.results as Record<string, unknown>)[key] = (results as Record<string, unknown>)[key];
    details = latest.details;
    results = latest.results;
  }
  mkdirSync(opts.outDir, { recursive: true });
  const ordered = Object.fromEntries(RESULT_KEYS.filter((k) => results[k] !== undefined).map((k) => [k, results[k]]));
  writeFileSync(join(opts.outDir, 'results.json'), `${JSON.stringify(ordered, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'details.json'), `${JSON.stringify(details, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'RESULTS.md'), renderResults(results, details, readNotes()));
  opts.log(`wrote ${relative(REPO_ROOT, join(opts.outDir, 'results.json'))} and RESULTS.md`);
}

/** details.json and results.json as they are in `outDir` now; null if there are none. */
function readOutput(outDir: string): { details: Details; results: Results } | null {
  try {
    return {
      details: JSON.parse(readFileSync(join(outDir, 'details.json'), 'utf8')) as Details,
      results: JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as Results,
    };
  } catch {
    return null;
  }
}

/** Top-level keys of `now` that differ from the object serialized as `start`. */
function changedKeys(start: string, now: object): string[] {
  const before = JSON.parse(start) as Record<string, unknown>;
  return Object.entries(now)
    .filter(([k, v]) => JSON.stringify(before[k]) !== JSON.stringify(v))
    .map(([k]) => k);
}

/** Writes RESULTS.md again from the details.json and results.json of an earlier run (after editing NOTES.md). */
export function renderAgain(outDir: string): void {
  const details = JSON.parse(readFileSync(join(outDir, 'details.json'), 'utf8')) as Details;
  const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as Results;
  writeFileSync(join(outDir, 'RESULTS.md'), renderResults(results, details, readNotes()));
}

function readNotes(): string {
  try {
    return readFileSync(join(REPO_ROOT, 'bench', 'NOTES.md'), 'utf8');
  } catch {
    return '';
  }
}

function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const outIndex = argv.indexOf('--out');
  const runtimeIndex = argv.indexOf('--runtime');
  const runtime = (runtimeIndex >= 0 ? argv[runtimeIndex + 1] : quick ? 'tsx' : 'compiled') as Runtime;
  if (runtime !== 'tsx' && runtime !== 'compiled') throw new Error(`--runtime must be tsx or compiled, not ${runtime}`);
  return {
    quick,
    outDir: resolve(outIndex >= 0 ? (argv[outIndex + 1] as string) : join(REPO_ROOT, 'bench', quick ? 'out/quick' : '')),
    runtime,
    prototypes: !quick && !argv.includes('--no-prototypes'),
    log: (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
  };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/run.ts')) {
  const opts = parseArgs(process.argv.slice(2));
  const argv = process.argv.slice(2);
  const only = argv.indexOf('--only');
  const sizesAt = argv.indexOf('--sizes');
  const sizes = sizesAt >= 0 ? (argv[sizesAt + 1] ?? '').split(',').map(Number) : [...PREVIEW_SCALE_SIZES[opts.quick ? 'quick' : 'full']];
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`--sizes takes whole numbers separated by commas, e.g. 10000,100000,1000000`);
  const parts = only >= 0 ? (argv[only + 1] ?? '').split(',') : [];
  const unknown = parts.filter((p) => !(ONLY_PARTS as readonly string[]).includes(p));
  if (only >= 0 && (parts.length === 0 || unknown.length > 0))
    throw new Error(`--only takes ${ONLY_PARTS.join(', ')} (comma-separated), not "${unknown.join(',') || argv[only + 1]}"`);
  const job = process.argv.includes('--render') ? Promise.resolve(renderAgain(opts.outDir)) : only >= 0 ? runOnly(opts, parts as OnlyPart[], sizes) : runBench(opts);
  job.then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
