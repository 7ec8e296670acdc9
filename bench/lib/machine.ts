import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  memoryGb: number;
  loadAverage: number[];
  date: string;
  commit: string;
  /** Files of src/ and commands/ that differ from the commit: what was measured is the working tree. */
  uncommitted: string[];
}

/** What the figures were measured on; written at the top of RESULTS.md. */
export function machineInfo(repoRoot: string): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
    commit: git(repoRoot, ['rev-parse', '--short', 'HEAD']),
    uncommitted: git(repoRoot, ['status', '--porcelain', '--', 'src', 'commands']).split('\n').filter(Boolean).map((l) => l.slice(3)),
  };
}

function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.startsWith('Model name:'));
    if (line) return line.slice('Model name:'.length).trim();
  } catch {
    // lscpu is not everywhere; os.cpus() is.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function git(cwd: string, args: string[]): string {
  try {
    // Only trailing whitespace: `status --porcelain` lines start with a significant space.
    return execFileSync('git', args, { cwd, encoding: 'utf8' }).trimEnd();
  } catch {
    return 'unknown';
  }
}
