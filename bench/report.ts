import type { BaselineResult } from './scenarios/baseline.js';
import type { CliLatencyResult } from './scenarios/cli-latency.js';
import type { BulkDistributionResult, ConsoleLoadResult, IdleVariantResult, LargeRunResult, SmallRunResult, ThrottledResult } from './scenarios/engine.js';
import type { DiscordPreviewResult } from './scenarios/discord.js';
import type { TxBuildResult } from './scenarios/tx-build.js';
import type { RecurringBenchResult } from './scenarios/recurring.js';
import type { PreviewScaleRow } from './scenarios/preview-scale.js';
import type { MachineInfo } from './lib/machine.js';
import { median, round } from './lib/stats.js';
import { RESULT_KEYS, TARGETS, type Results } from './lib/targets.js';
import type { DistributeResult } from './workers/tasks.js';

export interface Details {
  machine: MachineInfo;
  quick: boolean;
  runtime: string;
  /** Node flags of package.json's "start" script, given to every app and engine process. */
  startFlags?: string[];
  sizes: Record<string, number>;
  startedAt: number;
  finishedAt?: number;
  loadAverageEnd?: number[];
  busyAtEnd?: MachineInfo['busy'];
  build?: { ms: number; diagnostics: string };
  txBuild?: TxBuildResult;
  large?: LargeRunResult;
  small?: SmallRunResult;
  /** The large distribution again, engine on a plain `node` (without the start script's flags). */
  largePlainNode?: DistributeResult;
  throttled?: ThrottledResult;
  baseline?: BaselineResult;
  console?: ConsoleLoadResult;
  cli?: CliLatencyResult;
  /** Set when the CLI figures came from an `--only cli` run of their own. */
  cliRun?: RunMeta;
  idle?: IdleVariantResult[];
  /** Snapshot and preview of bulk-seeded tokens, one row per size. */
  previewScale?: PreviewScaleRow[];
  /** When the preview-scale rows were measured (they may come from `--only preview-scale`, later than the rest). */
  previewScaleRun?: RunMeta;
  /** A distribution to every holder of a bulk-seeded token (100,000), with when it was measured. */
  bulkDistribution?: BulkDistributionResult & { run: RunMeta };
  /** The Discord bot's first callback to a preview of a bulk-seeded token (10,000). */
  discordPreview?: DiscordPreviewResult & { run: RunMeta };
  /** A repeat distribution to 10,000 existing token accounts, legacy and with lookup tables, throttled. */
  recurring?: RecurringBenchResult & { run: RunMeta };
}

/** When and how a part was measured (it may come from `--only`, later than the rest). */
export interface RunMeta {
  command: string;
  date: string;
  commit: string;
  loadAverage: number[];
  loadAverageEnd: number[];
}

const HOW: Record<(typeof RESULT_KEYS)[number], string> = {
  snapshot_holders_per_s: 'takeSnapshot through the gateway, fresh (no cache), median of runs',
  recipients_per_s_1k: 'confirm -> completed event; SPL reward, every recipient a new token account',
  recipients_per_s_10k: 'same, 10,000 holders',
  tx_built_per_s: 'TransferBuilder.build (pack, compile, sign, wire bytes), ATA create + TransferChecked pairs, in-process',
  rpc_requests_per_recipient: "chain's own counter, confirm -> end, 1,000 new accounts (preview excluded)",
  baseline_rpc_requests_per_recipient: 'bench/scenarios/baseline.ts, plain web3.js',
  baseline_recipients_per_s: 'one recipient per transaction, sendAndConfirmTransaction, sequential',
  throttled_1k_seconds: 'confirm -> completed, chain and gateway at 100 req/10 s, 40/10 s per method',
  throttled_floor_seconds: 'max(admitted/100, busiest method/40) x 10 s of the same run',
  throttled_429: 'HTTP 429 answers the chain gave during the throttled run',
  idle_rss_mb: "the whole app (engine, store, monitoring, console chat) with `npm start`'s node flags, chain external, after settling",
  peak_rss_mb_10k: "kernel maxRSS of the engine process (`npm start`'s node flags) that previewed and paid 10,000 recipients",
  rewards_p95_ms_under_load: '/rewards through the console adapter while a throttled distribution runs',
  help_ms: '`tributary --help` process (the installed bin), spawn -> exit, median',
  config_show_ms: '`tributary config show` process (the installed bin, nothing overriding a default), spawn -> exit, median',
  node_startup_ms: '`node -e 0`, spawn -> exit, median, interleaved with the two above',
  snapshot_holders_per_s_1m: 'takeSnapshot of the bulk-seeded 1,000,000-holder token through the gateway, fresh engine process (see Large communities)',
  preview_seconds_100k: "service.preview of 100,000 holders, SPL reward (every recipient's token account checked), plan written to the ledger",
  peak_rss_mb_preview_10k: 'peak RSS (20 ms samples) of the engine process during the 10,000-holder preview, app baseline included',
  peak_rss_mb_preview_100k: 'same, 100,000 holders',
  peak_rss_mb_preview_1m: 'same, 1,000,000 holders',
  event_loop_max_ms_10k: 'monitorEventLoopDelay max during the 10,000-holder preview (machine load disturbs it: see the table)',
  event_loop_max_ms_1m_preview: 'same, 1,000,000-holder preview',
  peak_rss_mb_100k: "kernel maxRSS of the engine process (`npm start`'s node flags) that previewed and paid every holder of a bulk-seeded 100,000-holder token",
  recipients_per_s_100k: 'confirm -> completed event of that 100,000-recipient run; SPL reward, every recipient a new token account',
  transactions_per_1k_recurring_legacy: 'distribution transactions per 1,000 recipients of a repeat distribution to 10,000 existing token accounts, legacy transactions',
  transactions_per_1k_recurring_lookup: 'same, a schedule with lookup tables (v0 transactions), its second occurrence (the first made the tables)',
  throttled_10k_recurring_seconds_legacy: 'confirm -> completed of that legacy run, chain and gateway at 100 req/10 s, 40/10 s per method',
  throttled_10k_recurring_seconds_lookup: 'same, the lookup-table run',
  discord_first_callback_ms_10k:
    "the app's Discord bot: `/distribute preview` of a bulk-seeded 10,000-holder token, dispatch -> first callback at the Discord stand-in (see Large communities)",
};

const fmt = (x: number | undefined, digits = 2): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : String(round(x, digits)));

export function renderResults(results: Results, d: Details, notes: string): string {
  const out: string[] = [];
  const m = d.machine;
  out.push('# Benchmarks', '');
  const flags = d.startFlags?.length ? d.startFlags.join(' ') : '';
  const busyText = (b: MachineInfo['busy'] | undefined) => (b?.length ? b.map((p) => `pid ${p.pid} at ${p.cpu}% of a core (\`${p.command}\`)`).join('; ') : 'none');
  out.push(
    `Generated by \`${d.quick ? 'npm run bench -- --quick' : 'npm run bench'}\` on ${m.date}, measuring commit ${m.commit}${m.uncommitted?.length ? '' : ' (src/ and commands/ as committed)'}; ${d.finishedAt ? `took ${round((d.finishedAt - d.startedAt) / 1000, 0)} s` : ''}.`,
    '',
    ...(m.uncommitted?.length
      ? [`Measured on the working tree: these files of src/ and commands/ differed from that commit (other engineers' changes in progress): ${m.uncommitted.join(', ')}.`, '']
      : []),
    `Machine: ${m.nproc} cores (\`nproc\`), ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, load average at start ${m.loadAverage.join(' / ')}${d.loadAverageEnd ? `, at the end ${d.loadAverageEnd.join(' / ')}` : ''}. Other processes using 20% or more of a core (sampled for 1 s from /proc): at start ${busyText(m.busy)}${d.finishedAt ? `; at the end ${busyText(d.busyAtEnd)}` : ''}. The machine is shared: compare figures of one run with each other first.`,
    '',
    'Commands:',
    '```',
    'npm run bench                      # everything below; several minutes',
    'npm run bench -- --quick           # smoke sizes, tsx instead of a build, writes bench/out/quick/',
    'npm run bench -- --no-prototypes   # skip the comparisons (engine on a plain node, bundled-CLI prototype)',
    'npm run bench -- --render          # rewrite RESULTS.md from details.json (after editing NOTES.md)',
    'node --import tsx bench/scenarios/import-cost.ts   # RSS each dependency adds (after a full run built bench/out/dist)',
    'node --import tsx bench/lib/profile-summary.ts <file.cpuprofile> [self|total]',
    '```',
    `Child processes run ${d.runtime === 'compiled' ? 'the tsc build of src/ and bench/ in bench/out/dist (what the `tributary` bin runs)' : 'the TypeScript sources through tsx'}. The chain is \`tributary localnet\` (litesvm behind JSON-RPC, slot 400 ms) in its own process; each engine measurement is a fresh process wired as src/app/start.ts wires it (config defaults, SQLite store in WAL, file logger at info)${flags ? `, and every app and engine process runs \`node ${flags}\`, the flags of package.json's "start" script (\`npm start\`; the Dockerfile's ENTRYPOINT lists its own), read from package.json at run time` : ''}. The CLI figures run the \`tributary\` command as installed: ${d.cli?.command ? `\`${d.cli.command}\`` : 'the bin package.json names'}, which answers a bare \`--help\` from the help text the build wrote and runs \`node dist/src/cli/main.js\` (no flags) for everything else.`,
    '',
  );

  out.push('## Figures against the targets', '', '| key | value | target | verdict | how |', '|---|---:|---|---|---|');
  for (const key of RESULT_KEYS) {
    const v = results[key];
    const t = TARGETS[key];
    const verdict = v === undefined ? 'pending' : t ? (t.check(v, results) === null ? '' : t.check(v, results) ? 'meets' : '**misses**') : '';
    out.push(`| ${key} | ${v ?? 'pending'} | ${t ? `${t.text} (${t.source})` : ''} | ${verdict} | ${HOW[key]} |`);
  }
  out.push('');

  const runs: [string, DistributeResult | undefined][] = [
    [`${d.sizes['small']} holders`, d.small?.distribution],
    [`${d.sizes['large']} holders`, d.large?.distribution],
    [`${d.sizes['large']} holders, engine on a plain node (no flags)`, d.largePlainNode],
    [`${d.sizes['throttled']} holders, public-mainnet limit`, d.throttled?.distribution],
  ];
  out.push(
    '## Distributions',
    '',
    'Every run pays the seeded reward token to every holder (off-curve owners included, so N holders are N recipients), each into a new token account. Times are from `service.confirm()` to the `completed` event; "with preview" adds the preview\'s requests (snapshot, account existence, balances, simulation) to the same recipients.',
    '',
  );
  out.push(
    '| run | recipients | tx | preview s | run s | recipients/s | tx signed/s | requests (run) | per recipient | with preview | paid / failed | on-chain check | peak RSS run MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|',
  );
  for (const [name, r] of runs) {
    if (!r) continue;
    const perRun = r.runStats.requests / r.recipients;
    const withPreview = (r.runStats.requests + r.previewStats.requests) / r.recipients;
    const check = r.verified ? (r.verified.wrong === 0 ? `all ${r.verified.checked} exact` : `**${r.verified.wrong} wrong**`) : '-';
    out.push(
      `| ${name} | ${r.recipients} | ${r.transactions} | ${fmt(r.previewMs / 1000)} | ${fmt(r.runMs / 1000)} | ${fmt(r.paid / (r.runMs / 1000), 1)} | ${fmt(r.txSignedPerS, 1)} | ${r.runStats.requests} | ${fmt(perRun, 4)} | ${fmt(withPreview, 4)} | ${r.paid} / ${r.failed} | ${check} | ${fmt(r.peakRssRunMb, 1)} |`,
    );
  }
  out.push('');
  if (d.small) {
    const r = d.small.distribution;
    out.push(`### RPC requests by method, ${r.recipients} recipients (chain counter)`, '', '| method | preview | confirm -> end |', '|---|---:|---:|');
    const methods = [...new Set([...Object.keys(r.previewStats.requestsByMethod), ...Object.keys(r.runStats.requestsByMethod)])].sort();
    for (const mth of methods) out.push(`| ${mth} | ${r.previewStats.requestsByMethod[mth] ?? 0} | ${r.runStats.requestsByMethod[mth] ?? 0} |`);
    out.push(`| **total** | ${r.previewStats.requests} | ${r.runStats.requests} |`, `| HTTP exchanges | ${r.previewStats.httpRequests} | ${r.runStats.httpRequests} |`, '');
    out.push(
      "Every call counts, each element of a JSON-RPC batch too (the chain's counter, as providers bill and rate-limit): a status poll is one HTTP exchange carrying getEpochInfo (finalized), getSignatureStatuses (searching history) for the transactions in flight and getTransaction for each one that may have expired, and counts as that many requests.",
      '',
    );
    out.push(
      `\`rpc_requests_per_recipient\` is the confirm -> end column over ${r.recipients} recipients (${fmt(r.runStats.requests / r.recipients, 4)}); with the preview included it is ${fmt((r.runStats.requests + r.previewStats.requests) / r.recipients, 4)}. The floor with ${fmt(r.recipients / r.transactions, 1)} recipients per transaction is one sendTransaction per transaction, ${fmt(r.transactions / r.recipients, 4)}.`,
      '',
    );
  }

  if (d.throttled) {
    const t = d.throttled;
    out.push('## Under the public mainnet-beta limit', '');
    out.push(
      `Both sides enforce 100 requests / 10 s and 40 / 10 s per method: the chain (\`--rate-limit public-mainnet\`, answering 429) and the engine's gateway (preset \`public-mainnet\`, pacing). ${d.quick ? '' : "The runner waits one window (11 s) between preview and confirm, so the run starts on a full budget and the figure is the run's own. "}`,
      '',
      `- run: ${fmt(t.seconds)} s for ${t.distribution.recipients} recipients in ${t.distribution.transactions} transactions; ${t.rateLimited} answers of 429 (gateway saw ${t.distribution.gatewayRateLimited}).`,
      `- requests the engine needed: ${t.admitted} admitted; busiest method ${t.busiestMethod.method} with ${t.busiestMethod.requests}.`,
      `- floor = max(${t.admitted}/100, ${t.busiestMethod.requests}/40) x 10 s = ${fmt(t.floorSeconds)} s, bound by the ${t.binding === 'per-method' ? `per-method limit on ${t.busiestMethod.method}` : 'overall limit'}; run / floor = ${fmt(t.seconds / t.floorSeconds)} (target <= 1.15).`,
      `- by method: ${Object.entries(t.distribution.runStats.requestsByMethod)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      '',
      'Why this floor: in any 10 s window at most 100 requests and at most 40 of one method are admitted, so N requests of which B are of the busiest method need at least max(N/100, B/40) windows. A sliding window that starts full can admit its first 100 (or 40) at once, so a run can finish up to one window under this figure; a ratio just under 1 is possible and not an error.',
      '',
    );
  }

  if (d.baseline && d.small) {
    const b = d.baseline;
    const e = d.small.distribution;
    out.push('## Baseline: one recipient per transaction', '');
    out.push(
      `bench/scenarios/baseline.ts pays ${b.recipients} recipients (kept small so the run stays short), each with its own transaction (idempotent ATA create + TransferChecked) sent with web3.js \`sendAndConfirmTransaction\` (preflight on, PubSub + block-height confirmation), one after the other.`,
      '',
      `| | recipients/s | RPC requests per recipient |`,
      '|---|---:|---:|',
      `| baseline | ${fmt(b.recipientsPerS, 1)} | ${fmt(b.requestsPerRecipient, 3)} |`,
      `| engine, ${e.recipients} recipients | ${fmt(e.paid / (e.runMs / 1000), 1)} | ${fmt(e.runStats.requests / e.recipients, 4)} |`,
      `| engine / baseline | ${fmt(e.paid / (e.runMs / 1000) / b.recipientsPerS, 1)}x faster | ${fmt(b.requestsPerRecipient / (e.runStats.requests / e.recipients), 1)}x fewer requests |`,
      '',
      `Baseline requests by method: ${Object.entries(b.requestsByMethod)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}. On this local chain a transaction lands the moment it is sent and web3.js reuses its cached blockhash, so the baseline is far faster than on a real cluster (docs/targets.md measured the earlier CLI at 2.5 recipients/s); the request ratio is what carries over.`,
      '',
    );
  }

  out.push('## Memory', '');
  if (d.idle) {
    out.push(
      `The whole app idle: src/app/start.ts's \`startApp\` (engine, SQLite store, monitoring with /metrics, console chat on a stream) against a chain in another process, RSS ${d.sizes['idleSettleMs']} ms after start, no forced GC; median of ${d.idle[0]?.samplesMb.length ?? 0} fresh processes per variant. The first row is \`idle_rss_mb\`. RSS splits into private memory (RssAnon: heaps, code, native allocations) and file-backed pages (RssFile: the node binary, shared libraries, mapped files), from /proc/self/status at the same moment.`,
      '',
      '| variant | idle RSS MB (median) | samples | RssAnon MB | RssFile MB | heap used MB | start ms |',
      '|---|---:|---|---:|---:|---:|---:|',
      ...d.idle.map(
        (v) =>
          `| ${v.variant} | ${fmt(v.idleRssMb, 1)} | ${v.samplesMb.map((x) => fmt(x, 0)).join(', ')} | ${fmt(v.idleRssAnonMb, 1)} | ${fmt(v.idleRssFileMb, 1)} | ${fmt(v.idleHeapUsedMb, 1)} | ${fmt(v.startMs, 0)} |`,
      ),
      '',
    );
  }
  if (d.console)
    out.push(`- The console-load process (same app, just before its distribution): RSS ${fmt(d.console.idleRssMb, 1)} MB, heap used ${fmt(d.console.idleHeapUsedMb, 1)} MB.`);
  if (d.small)
    out.push(
      `- Engine alone idle (config, store, gateway, service; no chat, no monitoring): RSS ${fmt(d.small.idle.rssMb, 1)} MB, heap used ${fmt(d.small.idle.heapUsedMb, 1)} MB.`,
    );
  if (d.large)
    out.push(
      `- ${d.large.distribution.recipients}-recipient distribution, engine process: peak RSS during the preview ${fmt(d.large.distribution.peakRssPreviewMb, 1)} MB, during the run ${fmt(d.large.distribution.peakRssRunMb, 1)} MB, kernel maxRSS ${fmt(d.large.distribution.maxRssMb, 1)} MB (\`peak_rss_mb_10k\`). The chain's own memory is not in it.`,
    );
  if (d.largePlainNode)
    out.push(
      `- The same distribution on a fresh chain with the engine on a plain \`node\` (without ${d.startFlags?.join(' ') || 'the start flags'}): preview peak ${fmt(d.largePlainNode.peakRssPreviewMb, 1)} MB, run peak ${fmt(d.largePlainNode.peakRssRunMb, 1)} MB, maxRSS ${fmt(d.largePlainNode.maxRssMb, 1)} MB, ${fmt(d.largePlainNode.paid / (d.largePlainNode.runMs / 1000), 1)} recipients/s (with the flags: ${d.large ? fmt(d.large.distribution.paid / (d.large.distribution.runMs / 1000), 1) : 'n/a'}).`,
    );
  out.push('');

  if (d.large) {
    const s = d.large.snapshot;
    out.push(
      '## Snapshot',
      '',
      `${s.holders} holders (wallets), ${s.runsMs.length} fresh snapshots through the gateway: ${s.runsMs.map((x) => fmt(x, 0)).join(', ')} ms (median ${fmt(median(s.runsMs), 0)} ms), ${fmt(s.requestsPerSnapshot, 1)} requests each. The chain process took ${fmt(d.large.chainStartupMs / 1000, 1)} s to seed and start.`,
      '',
    );
  }

  if (d.previewScale?.length) out.push(...renderPreviewScale(d));
  if (d.bulkDistribution || d.discordPreview) out.push(...renderCommunity(d));
  if (d.recurring) out.push(...renderRecurring(d.recurring));

  if (d.console) {
    const c = d.console;
    out.push('## Chat replies through the console adapter', '');
    out.push(
      `The app's own console chat (src/platforms/console) on a PassThrough stream; a reply is timed from writing the line to the adapter writing the reply's last line.`,
      '',
      `| reply | median ms | p95 ms | samples |`,
      '|---|---:|---:|---:|',
      `| /help (idle) | ${fmt(median(c.helpMs))} | ${fmt(percentile95(c.helpMs))} | ${c.helpMs.length} |`,
      `| /config show (idle; writes config.json) | ${fmt(median(c.configShowMs))} | ${fmt(percentile95(c.configShowMs))} | ${c.configShowMs.length} |`,
      `| /rewards wallet:<recipient> during the distribution | ${fmt(c.rewardsMedianMs)} | ${fmt(c.rewardsP95Ms)} | ${c.rewardsMs.length} |`,
      '',
      `The load: ${c.recipients} recipients under the public-mainnet limit (chain and gateway), ${fmt(c.runMs / 1000, 1)} s; the gateway held requests back ${fmt(c.gatewayQueuedMsTotal / 1000, 1)} s in total waiting for budget (the budget was saturated); ${c.chainRateLimited} answers of 429. /rewards reads the ledger, not the chain, so it does not wait for RPC budget.`,
      '',
    );
  }

  if (d.cli) {
    const c = d.cli;
    out.push(
      '## Command-line processes',
      '',
      `Spawn to exit, ${c.runs} interleaved rounds after one warm-up, medians (ms): node -e 0 ${fmt(c.nodeStartupMs, 1)}; tributary --help ${fmt(c.helpMs, 1)} (${c.helpNodeMs !== undefined ? 'no Node process: see below' : `node + ${fmt(c.helpMs - c.nodeStartupMs, 1)}`}); tributary config show ${fmt(c.configShowMs, 1)} (${c.helpNodeMs !== undefined ? 'no Node process: see below' : `node + ${fmt(c.configShowMs - c.nodeStartupMs, 1)}`}).`,
      '',
    );
    if (d.cliRun)
      out.push(
        `Measured by \`${d.cliRun.command}\` on ${d.cliRun.date}, commit ${d.cliRun.commit}, load average ${d.cliRun.loadAverage.join(' / ')} at start and ${d.cliRun.loadAverageEnd.join(' / ')} at the end.`,
        '',
      );
    if (c.helpNodeMs !== undefined && c.configShowOverridesMs !== undefined) {
      out.push(
        `\`tributary\` is ${c.command ?? 'the installed bin'}. A bare \`--help\` is printed from help.txt (commander's own output, written by the build) without starting Node; \`node dist/src/cli/main.js --help\`, the program itself, takes ${fmt(c.helpNodeMs, 1)} (node + ${fmt(c.helpNodeMs - c.nodeStartupMs, 1)}). \`config show\` with nothing overriding a default is printed by the launcher from config-defaults.json (the defaults the build took from the zod schema) without starting Node; with a config file (TRIBUTARY_CONFIG), SOLANA_RPC_URL and TRIBUTARY_DATA_DIR set it loads and validates them and takes ${fmt(c.configShowOverridesMs, 1)} (node + ${fmt(c.configShowOverridesMs - c.nodeStartupMs, 1)}).`,
        '',
      );
    }
    if (c.bundled)
      out.push(
        `The same two commands from the prototype bundle (bench/prototypes/bundle-cli.ts, esbuild, same rounds): --help ${fmt(c.bundled.helpMs, 1)} ms (node + ${fmt(c.bundled.helpMs - c.nodeStartupMs, 1)}), config show ${fmt(c.bundled.configShowMs, 1)} ms (node + ${fmt(c.bundled.configShowMs - c.nodeStartupMs, 1)}).`,
        '',
      );
  }

  if (d.txBuild) {
    const t = d.txBuild;
    out.push(
      '## Transaction building',
      '',
      `${t.recipients} recipients needing new accounts -> ${t.transactions} transactions (${fmt(t.recipientsPerTx, 2)} per transaction), in the runner's process, no RPC: src TransferBuilder.build (pack, compile, sign, wire bytes) ${fmt(t.txPerS, 1)} tx/s, median of ${t.roundsMs?.length ?? 0} rounds (${(t.roundsMs ?? []).map((x) => fmt(x, 0)).join(', ')} ms for all ${t.transactions}).`,
      '',
    );
  }
  if (notes.trim()) out.push(notes.trim(), '');
  return `${out.join('\n')}\n`;
}

function renderRecurring(r: RecurringBenchResult & { run: RunMeta }): string[] {
  const row = (name: string, o: RecurringBenchResult['legacy']['occurrences'][number]) =>
    `| ${name} | ${o.recipients} | ${o.transactions} | ${fmt((o.transactions * 1000) / Math.max(1, o.recipients), 1)} | ${o.tableTransactions} | ${fmt(o.runMs / 1000, 1)} | ${o.runStats.requests} | ${o.runStats.rateLimited} | ${o.verified ? `${o.verified.checked - o.verified.wrong} of ${o.verified.checked}` : 'n/a'} |`;
  const [setup, repeat] = r.lookup.occurrences;
  return [
    '## Repeat distributions with lookup tables',
    '',
    `Measured by \`${r.run.command}\` on ${r.run.date}, commit ${r.run.commit}, load average ${r.run.loadAverage.join(' / ')} at start and ${r.run.loadAverageEnd.join(' / ')} at the end. A chain process (\`tributary localnet --holders ${r.holders} --reward-accounts --rate-limit public-mainnet\`) seeds ${r.holders} holders, each with an existing (empty) account of the reward token, as after an earlier distribution; the engine paces to the same budget. One engine process pays a schedule's occurrence without lookup tables (legacy transactions); another pays two occurrences of a schedule with tables:true: the first makes the tables (create and extend transactions, recorded before they are sent, before the run's transfers) and pays, the second is the repeat. ${r.waitWindow ? 'Each run starts after a rate window (11 s) and is timed' : 'Each run is timed'} from confirm to completed; balances are checked afterwards by what each occurrence added. The tables hold ${fmt(r.lookup.tableRentLamports / 1e9, 4)} SOL of rent in ${r.lookup.tablesHeld} tables (returned when the schedule is deleted).`,
    '',
    '| run | recipients | transactions | per 1,000 | table transactions | confirm -> completed s | requests | 429 | paid exactly |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...r.legacy.occurrences.map((o) => row('legacy', o)),
    ...(setup ? [row('lookup tables, first occurrence (makes the tables)', setup)] : []),
    ...(repeat ? [row('lookup tables, repeat', repeat)] : []),
    '',
  ];
}

function renderPreviewScale(d: Details): string[] {
  const rows = d.previewScale ?? [];
  const run = d.previewScaleRun;
  const out = ['## Large communities: snapshot and preview', ''];
  out.push(
    `${run ? `Measured by \`${run.command}\` on ${run.date}, commit ${run.commit}, load average ${run.loadAverage.join(' / ')} at start and ${run.loadAverageEnd.join(' / ')} at the end. ` : ''}For each size a chain process seeds a token with that many holders in bulk (\`tributary localnet --bulk-holders N\`: typed arrays beside litesvm; ~8% more token accounts than holders: second accounts and empty ones), and a fresh engine process (npm start's node flags, SQLite store) takes a fresh snapshot, then a preview (its own fresh snapshot, filters, allocation, every recipient's token account checked, pricing, simulation, the plan written to the ledger). SPL reward, off-curve owners included (so N holders are N recipients). Event-loop figures: perf_hooks.monitorEventLoopDelay (10 ms resolution) max and p99, and the worst lateness of a 5 ms timer; on a shared 2-core machine they include time the process was not scheduled at all (the chain process and other engineers' processes share the cores), so read them with the load average.`,
    '',
    '| holders | chain seed s | snapshot s | holders/s | snapshot requests | snapshot peak RSS MB | loop max / p99 ms | preview s | of which createPlan s | preview requests | account checks | preview peak RSS MB | RSS at start MB | RSS / heap used MB as the plan reaches createPlan | loop max / p99 ms | timer late max ms |',
    '|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---|---|---:|',
  );
  for (const r of rows) {
    out.push(
      `| ${r.size} | ${fmt(r.chainStartupMs / 1000, 1)} | ${fmt(r.snapshot.ms / 1000, 2)} | ${fmt(r.holders / (r.snapshot.ms / 1000), 0)} | ${r.snapshot.requests} | ${fmt(r.snapshot.peakRssMb, 0)} | ${fmt(r.snapshot.eventLoopMaxMs, 0)} / ${fmt(r.snapshot.eventLoopP99Ms, 0)} | ${fmt(r.preview.ms / 1000, 2)} | ${r.createPlanMs === undefined ? 'n/a' : fmt(r.createPlanMs / 1000, 2)} | ${r.preview.requests} | ${r.accountChecks.requests} × ${r.accountChecks.method ?? 'getMultipleAccounts'} | ${fmt(r.preview.peakRssMb, 0)} | ${fmt(r.preview.startRssMb, 0)} | ${r.beforeCreatePlan ? `${fmt(r.beforeCreatePlan.rssMb, 0)} / ${fmt(r.beforeCreatePlan.heapUsedMb, 0)}` : 'n/a'} | ${fmt(r.preview.eventLoopMaxMs, 0)} / ${fmt(r.preview.eventLoopP99Ms, 0)} | ${fmt(r.preview.timerLateMaxMs, 0)} |`,
    );
  }
  out.push('');
  return out;
}

function renderCommunity(d: Details): string[] {
  const out = ['## Large communities: a distribution, and Discord during a preview', ''];
  const runLine = (r: RunMeta) =>
    `Measured by \`${r.command}\` on ${r.date}, commit ${r.commit}, load average ${r.loadAverage.join(' / ')} at start and ${r.loadAverageEnd.join(' / ')} at the end.`;
  const b = d.bulkDistribution;
  if (b) {
    const x = b.distribution;
    const loop = x.eventLoop;
    out.push(
      `${runLine(b.run)} A chain process seeds a token with ${b.size} holders in bulk; one engine process (npm start's node flags, SQLite store) previews and pays every holder the chain's SPL reward (new token accounts, off-curve owners included).`,
      '',
      '| holders | recipients | paid / failed | transactions | preview s | run s | recipients/s | preview peak RSS MB | run peak RSS MB | kernel maxRSS MB | loop max / p99 ms, preview | loop max / p99 ms, run |',
      '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
      `| ${b.size} | ${x.recipients} | ${x.paid} / ${x.failed} | ${x.transactions} | ${fmt(x.previewMs / 1000, 1)} | ${fmt(x.runMs / 1000, 1)} | ${fmt(x.paid / (x.runMs / 1000), 1)} | ${fmt(x.peakRssPreviewMb, 0)} | ${fmt(x.peakRssRunMb, 0)} | ${fmt(x.maxRssMb, 0)} | ${loop ? `${fmt(loop.previewMaxMs, 0)} / ${fmt(loop.previewP99Ms, 0)}` : 'n/a'} | ${loop ? `${fmt(loop.runMaxMs, 0)} / ${fmt(loop.runP99Ms, 0)}` : 'n/a'} |`,
      '',
    );
  }
  const c = d.discordPreview;
  if (c) {
    out.push(
      `${runLine(c.run)} The whole app with its Discord bot (discord.js against the tests' Discord stand-in, in the app's process) answers an operator's \`/distribute preview\` of a bulk-seeded token of ${c.size} holders (SPL reward) and a \`/help\` dispatched at the same moment; times from dispatch to the first callback reaching the stand-in (Discord drops an interaction not answered within 3 s).`,
      '',
      '| holders | preview: first callback ms (type) | preview answered s | /help first callback ms | loop max / p99 ms |',
      '|---:|---|---:|---:|---|',
      `| ${c.size} | ${fmt(c.previewFirstCallbackMs, 0)} (${c.previewAckType === 5 ? 'defer' : c.previewAckType === 4 ? 'reply' : c.previewAckType}) | ${fmt(c.previewAnsweredMs / 1000, 1)} | ${fmt(c.helpFirstCallbackMs, 0)} | ${fmt(c.eventLoopMaxMs, 0)} / ${fmt(c.eventLoopP99Ms, 0)} |`,
      '',
    );
  }
  return out;
}

function percentile95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] as number;
}
