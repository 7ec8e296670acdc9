/**
 * The chat layer (commands, src/chat, src/platforms) reaches the chain only through the engine's
 * services (src/chat/services.ts): no file of it imports the RPC gateway or the whole app context,
 * directly or through another chat file. Read from the import statements of the source, so a type
 * import counts too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHAT_DIRS = ['commands', 'src/chat', 'src/platforms'];
const FORBIDDEN = ['src/solana/gateway.ts', 'src/app/context.ts'];

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? tsFiles(path) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers of every import, export-from and dynamic import() in `source`. */
function importSpecifiers(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of withoutComments.matchAll(pattern)) found.push(m[1] as string);
  return found;
}

/** Repository path of a relative specifier from `file` (`./x.js` is the source `./x.ts`), or null for a package. */
function resolveImport(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(root, resolve(root, dirname(file), specifier));
  return target.replace(/\.js$/, '.ts');
}

const inChat = (path: string) => CHAT_DIRS.some((d) => path === d || path.startsWith(`${d}/`));

/** Every forbidden file each chat file reaches, with the chain of imports that reaches it. */
function forbiddenReaches(): string[] {
  const imports = new Map<string, string[]>();
  const importsOf = (file: string): string[] => {
    let list = imports.get(file);
    if (!list) {
      list = importSpecifiers(readFileSync(join(root, file), 'utf8'))
        .map((s) => resolveImport(file, s))
        .filter((p): p is string => p !== null);
      imports.set(file, list);
    }
    return list;
  };
  const problems: string[] = [];
  for (const start of CHAT_DIRS.flatMap(tsFiles)) {
    const seen = new Set<string>([start]);
    const queue: string[][] = [[start]];
    while (queue.length) {
      const chain = queue.shift() as string[];
      for (const next of importsOf(chain[chain.length - 1] as string)) {
        if (seen.has(next)) continue;
        seen.add(next);
        if (FORBIDDEN.includes(next)) problems.push([...chain, next].join(' -> '));
        // Only chat files are followed: the engine may use the gateway, chat may use the engine.
        else if (inChat(next)) queue.push([...chain, next]);
      }
    }
  }
  return problems;
}

describe('import graph', () => {
  it('reads every kind of import statement', () => {
    const source = [
      "import type { A } from '../app/context.js';",
      "import {\n  B,\n  C,\n} from './b.js';",
      "export { D } from './d.js';",
      "import './side-effect.js';",
      "const m = await import('./lazy.js');",
      "// import { E } from './commented.js';",
      "import bs58 from 'bs58';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(expect.arrayContaining(['../app/context.js', './b.js', './d.js', './side-effect.js', './lazy.js', 'bs58']));
    expect(importSpecifiers(source)).not.toContain('./commented.js');
  });

  it('finds a forbidden file reached through a chat file', () => {
    expect(resolveImport('src/chat/x.ts', '../app/context.js')).toBe('src/app/context.ts');
    expect(resolveImport('commands/health.ts', '../src/solana/gateway.js')).toBe('src/solana/gateway.ts');
  });

  it('commands, chat and platforms import neither the RPC gateway nor the app context', () => {
    expect(forbiddenReaches()).toEqual([]);
  });
});
