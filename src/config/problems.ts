import type { z } from 'zod';
import { isSecretKey, REDACTED, redactString } from '../log/redact.js';
import type { ConfigProblem } from './errors.js';

type Path = readonly PropertyKey[];

export interface ProblemContext {
  /** The merged input that was validated, to quote the offending value. */
  input: unknown;
  /** The configuration with nothing set, to suggest the key that was probably meant. */
  defaults: unknown;
  /** Where the value at a path came from ("env SOLANA_RPC_URL", "in ./x.json"), if known. */
  sourceOf: (path: Path) => string | undefined;
}

/** Turns zod's issues into one problem per bad key, each worded as the fix. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], ctx: ProblemContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(unknownKey([...issue.path, key], ctx));
      continue;
    }
    const path = issue.path;
    const value = valueAt(ctx.input, path);
    const details: string[] = [];
    if (value !== undefined) details.push(`got ${renderValue(path, value)}`);
    const source = ctx.sourceOf(path);
    if (source !== undefined) details.push(source);
    problems.push({ path: dotted(path), message: `${issue.message}${details.length > 0 ? ` (${details.join(' ')})` : ''}` });
  }
  return problems;
}

function unknownKey(path: Path, ctx: ProblemContext): ConfigProblem {
  const key = String(path.at(-1));
  const parent = valueAt(ctx.defaults, path.slice(0, -1));
  const known = parent !== null && typeof parent === 'object' ? Object.keys(parent) : [];
  const guess = closest(key, known);
  const source = ctx.sourceOf(path);
  const hint = guess !== undefined ? `did you mean "${guess}"?` : known.length > 0 ? `known keys here: ${known.join(', ')}` : '';
  return {
    path: dotted(path),
    message: `unknown key${source === undefined ? '' : ` ${source}`}; remove it or fix its spelling${hint === '' ? '' : ` (${hint})`}`,
  };
}

/** `rpc.limits.maxConcurrent`, with array positions as `roles.admin.discordUserIds[0]`. */
export function dotted(path: Path): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

export function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The value as JSON, never a secret: quoted in an error, it ends up in logs and terminals. */
function renderValue(path: Path, value: unknown): string {
  const last = path.findLast((key) => typeof key === 'string');
  if (typeof last === 'string' && isSecretKey(last) && value !== null) return `"${REDACTED}"`;
  // Scrub before shortening, so a cut cannot break a secret's shape and let half of it through.
  const json = redactString(JSON.stringify(value) ?? String(value));
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** The known key within edit distance 2 (or a third of its length) of a misspelt one. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
