/**
 * What each dependency adds to a process's memory just by being loaded: a fresh process per
 * module (node with `npm start`'s flags, as the idle figure), RSS after `import()` and a GC minus
 * RSS of a bare process. Explains `idle_rss_mb`; not a figure of the issue.
 * Run: node --import tsx bench/scenarios/import-cost.ts (after a full run built bench/out/dist).
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { BUILD_DIR, REPO_ROOT, startFlags } from '../lib/runtime.js';
import { median } from '../lib/stats.js';

const built = (p: string) => pathToFileURL(join(BUILD_DIR, p)).href;

export const MODULES: Record<string, string> = {
  '(bare node)': '',
  '@solana/web3.js': '@solana/web3.js',
  '@solana/spl-token': '@solana/spl-token',
  '@solana/kit': '@solana/kit',
  litesvm: 'litesvm',
  'discord.js': 'discord.js',
  grammy: 'grammy',
  'keyv + @keyv/sqlite': '@keyv/sqlite',
  pino: 'pino',
  zod: 'zod',
  'prom-client': 'prom-client',
  pureimage: 'pureimage',
  'src/localnet/index.js': built('src/localnet/index.js'),
  'src/app/engine.js': built('src/app/engine.js'),
  'src/platforms/index.js': built('src/platforms/index.js'),
  'src/app/start.js (all of the app)': built('src/app/start.js'),
};

export function importCost(runs = 3): { module: string; rssMb: number; addedMb: number }[] {
  const rss = (spec: string) => {
    const code = `${spec ? `await import(${JSON.stringify(spec)});` : ''} globalThis.gc?.(); process.stdout.write(String(process.memoryUsage.rss()))`;
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const res = spawnSync(process.execPath, [...startFlags(), '--expose-gc', '--input-type=module', '-e', code], { cwd: REPO_ROOT, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`import ${spec}: ${res.stderr}`);
      samples.push(Number(res.stdout) / 1024 / 1024);
    }
    return median(samples);
  };
  const bare = rss('');
  return Object.entries(MODULES).map(([module, spec]) => {
    const mb = spec ? rss(spec) : bare;
    return { module, rssMb: Math.round(mb * 10) / 10, addedMb: Math.round((mb - bare) * 10) / 10 };
  });
}

if (process.argv[1]?.endsWith('import-cost.ts') || process.argv[1]?.endsWith('import-cost.js')) {
  for (const row of importCost()) console.log(`${String(row.rssMb).padStart(7)} MB  +${String(row.addedMb).padStart(6)}  ${row.module}`);
}
