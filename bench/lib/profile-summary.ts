import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  totalMs: number;
}

/**
 * Self and total time per function of a `node --cpu-prof` profile, optionally only within
 * [fromMs, toMs] of the profile's start, largest first.
 */
export function summarizeProfile(path: string, opts: { top?: number; fromMs?: number; toMs?: number; by?: 'self' | 'total' } = {}): ProfileLine[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let t = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    t += (deltas[i] ?? 0) / 1000;
    if (opts.fromMs !== undefined && t < opts.fromMs) continue;
    if (opts.toMs !== undefined && t > opts.toMs) continue;
    const dt = (deltas[i + 1] ?? 0) / 1000;
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const label = (n: ProfileNode) => {
    const file = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id) as ProfileNode;
    selfBy.set(label(node), (selfBy.get(label(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur) as ProfileNode);
      if (seen.has(l)) continue;
      seen.add(l);
      totalBy.set(l, (totalBy.get(l) ?? 0) + ms);
    }
  }
  const names = new Set([...selfBy.keys(), ...totalBy.keys()]);
  const lines = [...names].map((name) => ({ name, selfMs: selfBy.get(name) ?? 0, totalMs: totalBy.get(name) ?? 0 }));
  const key = opts.by === 'total' ? 'totalMs' : 'selfMs';
  return lines.sort((a, b) => b[key] - a[key]).slice(0, opts.top ?? 25);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, by] = process.argv.slice(2);
  for (const l of summarizeProfile(file as string, { by: by === 'total' ? 'total' : 'self', top: 40 })) {
    console.log(`${l.selfMs.toFixed(0).padStart(7)} ${l.totalMs.toFixed(0).padStart(7)}  ${l.name}`);
  }
}
