import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  /** Other processes using a good part of a core when the run started (they disturb every figure). */
  busy: BusyProcess[];
}

export interface BusyProcess {
  pid: number;
  /** Percent of one core over the sample. */
  cpu: number;
  command: string;
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
    uncommitted: git(repoRoot, ['status', '--porcelain', '--', 'src', 'commands'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3)),
    busy: busyProcesses(),
  };
}

/**
 * Processes other than this one that used at least `minPercent` of a core during `sampleMs`, from
 * /proc (CPU ticks read twice). Empty where there is no /proc.
 */
export function busyProcesses(sampleMs = 1_000, minPercent = 20): BusyProcess[] {
  if (!existsSync('/proc/self/stat')) return [];
  const ticks = (): Map<number, number> => {
    const out = new Map<number, number>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // Fields after "(comm)": state is the first; utime and stime are the 12th and 13th.
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(Number(name), Number(rest[11]) + Number(rest[12]));
      } catch {
        // The process ended in between.
      }
    }
    return out;
  };
  let hz = 100;
  try {
    hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    // 100 is Linux's usual USER_HZ.
  }
  const before = ticks();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sampleMs);
  const after = ticks();
  const busy: BusyProcess[] = [];
  for (const [pid, t] of after) {
    const t0 = before.get(pid);
    if (t0 === undefined || pid === process.pid) continue;
    const cpu = ((t - t0) / hz / (sampleMs / 1000)) * 100;
    if (cpu < minPercent) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 160);
    } catch {
      command = '(ended)';
    }
    busy.push({ pid, cpu: Math.round(cpu), command });
  }
  return busy.sort((a, b) => b.cpu - a.cpu);
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
