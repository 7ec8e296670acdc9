import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };

describe('package-lock.json', () => {
  // The registry these machines use serves only some of litesvm's per-platform packages; `npm install`
  // then leaves the others out of the lockfile and `npm ci` (CI, the Dockerfile) refuses it.
  it('lists every optional dependency of every locked package, so `npm ci` accepts it on a clean checkout', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        const parent = path === '' ? '' : `${path}/`;
        if (!lock.packages[`${parent}node_modules/${name}`] && !lock.packages[`node_modules/${name}`]) missing.push(`${name} (of ${path || 'the project'})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
