import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../lib/stats.js';
import { nodeArgs, REPO_ROOT, tributaryCommand, type Runtime } from '../lib/runtime.js';

export interface CliLatencyResult {
  runs: number;
  nodeStartupMs: number;
  /** `tributary --help`, the installed command (the launcher answers it from the prebuilt text). */
  helpMs: number;
  /** `tributary config show` with nothing overriding a default (no TRIBUTARY_* or other config variables). */
  configShowMs: number;
  /** `node main.js --help`: the program itself, what the launcher spares a bare `--help`. */
  helpNodeMs?: number;
  /** `tributary config show` with a config file and two variables set, so the configuration is loaded and validated (zod). */
  configShowOverridesMs?: number;
  /** How the `tributary` command was run. */
  command?: string;
  samples: Record<string, number[]>;
  /** The same commands from the prototype bundle (bench/prototypes/bundle-cli.ts), when it could be built. */
  bundled: { helpMs: number; configShowMs: number } | null;
}

/**
 * Wall time of a whole process, spawn to exit, for `node -e 0` and the `tributary` command as
 * installed (`--help`, `config show` with nothing overridden and with overrides), interleaved round
 * by round so that machine noise hits all of them alike. Medians. The command runs from the compiled
 * build: the bin package.json names (src/cli/launcher.sh, built beside main.js).
 */
export function benchCliLatency(runtime: Runtime, runs: number, bundleMain: string | null = null): CliLatencyResult {
  const base = cleanEnv();
  const tributary = tributaryCommand(runtime);
  const defaultsEnv = { ...base, ...tributary.env };
  // A real deployment's shape: a config file, an RPC URL and a data directory (config show reads, never writes, it).
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-cli-'));
  const file = join(dir, 'tributary.json');
  writeFileSync(file, JSON.stringify({ network: 'devnet', rpc: { preset: 'public-devnet' } }));
  const overridesEnv = { ...defaultsEnv, TRIBUTARY_CONFIG: file, SOLANA_RPC_URL: 'https://api.devnet.solana.com', TRIBUTARY_DATA_DIR: join(dir, 'data') };
  const main = nodeArgs(runtime, 'src/cli/main.ts');
  type Command = { file: string; args: readonly string[]; env: NodeJS.ProcessEnv };
  const node = (args: readonly string[], env = base): Command => ({ file: process.execPath, args, env });
  const bin = (args: readonly string[], env = defaultsEnv): Command => ({ file: tributary.file, args: [...tributary.args, ...args], env });
  const commands: Record<string, Command> = {
    node: node(['-e', '0']),
    help: bin(['--help']),
    configShow: bin(['config', 'show']),
    helpNode: node([...main, '--help']),
    configShowOverrides: bin(['config', 'show'], overridesEnv),
    ...(bundleMain ? { bundledHelp: node([bundleMain, '--help']), bundledConfigShow: node([bundleMain, 'config', 'show']) } : {}),
  };
  const samples: CliLatencyResult['samples'] = Object.fromEntries(Object.keys(commands).map((k) => [k, [] as number[]]));
  const time = ({ file: cmd, args, env }: Command) => {
    const t0 = performance.now();
    const res = spawnSync(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}: ${res.stderr?.toString() ?? res.error}`);
    return ms;
  };
  // Warm the file cache once; not counted.
  for (const c of Object.values(commands)) time(c);
  for (let i = 0; i < runs; i++) {
    for (const [name, c] of Object.entries(commands)) samples[name]?.push(time(c));
  }
  const m = (name: string) => median(samples[name] ?? []);
  return {
    runs,
    nodeStartupMs: m('node'),
    helpMs: m('help'),
    configShowMs: m('configShow'),
    helpNodeMs: m('helpNode'),
    configShowOverridesMs: m('configShowOverrides'),
    command: runtime === 'compiled' ? `${tributary.file.slice(REPO_ROOT.length + 1)} (the bin, #!/bin/sh)` : 'node --import tsx src/cli/main.ts',
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
