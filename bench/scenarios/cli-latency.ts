import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../lib/stats.js';
import { nodeArgs, REPO_ROOT, type Runtime } from '../lib/runtime.js';

export interface CliLatencyResult {
  runs: number;
  nodeStartupMs: number;
  helpMs: number;
  configShowMs: number;
  samples: Record<string, number[]>;
  /** The same commands from the prototype bundle (bench/prototypes/bundle-cli.ts), when it could be built. */
  bundled: { helpMs: number; configShowMs: number } | null;
}

/**
 * Wall time of a whole process, spawn to exit, for `node -e 0`, `tributary --help` and
 * `tributary config show`, interleaved round by round so that machine noise hits all three alike.
 * Medians. The CLI runs from the compiled build (what `npm start` and the `tributary` bin run).
 */
export function benchCliLatency(runtime: Runtime, runs: number, bundleMain: string | null = null): CliLatencyResult {
  const env = { ...cleanEnv(), TRIBUTARY_DATA_DIR: mkdtempSync(join(tmpdir(), 'tributary-bench-cli-')) };
  const main = nodeArgs(runtime, 'src/cli/main.ts');
  const commands = {
    node: ['-e', '0'],
    help: [...main, '--help'],
    configShow: [...main, 'config', 'show'],
    ...(bundleMain ? { bundledHelp: [bundleMain, '--help'], bundledConfigShow: [bundleMain, 'config', 'show'] } : {}),
  } as Record<string, readonly string[]>;
  const samples: CliLatencyResult['samples'] = Object.fromEntries(Object.keys(commands).map((k) => [k, [] as number[]]));
  const time = (args: readonly string[]) => {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${res.status}: ${res.stderr.toString()}`);
    return ms;
  };
  // Warm the file cache once; not counted.
  for (const args of Object.values(commands)) time(args);
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(commands)) samples[name]?.push(time(args));
  }
  const m = (name: string) => median(samples[name] ?? []);
  return {
    runs,
    nodeStartupMs: m('node'),
    helpMs: m('help'),
    configShowMs: m('configShow'),
    samples,
    bundled: bundleMain ? { helpMs: m('bundledHelp'), configShowMs: m('bundledConfigShow') } : null,
  };
}

/** The environment without Tributary's own variables, so a developer's settings do not change what is measured. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(TRIBUTARY_|SOLANA_RPC_URL|DISCORD_|TELEGRAM_|REDIS_URL|LOG_LEVEL|NODE_OPTIONS)/.test(k)) env[k] = v;
  }
  return env;
}
