/**
 * Finds the command files (one command per file in commands/, its default export) and checks each
 * one's shape. A bad file is named with what is wrong and left out; the others still load, so one
 * mistake never takes the whole bot down.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';
import { commandDescription, optionDescription } from '../i18n/index.js';
import type { AnyCommand } from './types.js';

export interface LoadProblem {
  file: string;
  problem: string;
}

export interface LoadedCommands {
  commands: AnyCommand[];
  problems: LoadProblem[];
}

/** commands/ next to src/ both in the source tree and in dist/ (dist/src/chat -> dist/commands). */
export const DEFAULT_COMMANDS_DIR = fileURLToPath(new URL('../../commands/', import.meta.url));

// Discord's rules, the strictest of the three platforms: lowercase names up to 32 characters,
// descriptions of 1 to 100, at most 25 options and 25 choices.
const word = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lowercase word of letters, digits or dashes, at most 32 characters');
const description = z.string().min(1, 'a description is required').max(100, 'at most 100 characters (Discord limit)');

// A description is the catalogue's (src/i18n/catalogue/commands.ts); a command file of one's own, which the catalogue does not know, brings its own.
const optionShape = z.strictObject({
  name: word,
  description: description.optional(),
  type: z.enum(['string', 'integer', 'boolean']),
  required: z.boolean().optional(),
  choices: z.union([z.array(z.string().min(1)).min(1).max(25), z.array(z.int()).min(1).max(25)]).optional(),
  private: z.boolean().optional(),
});

const commandShape = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}( [a-z][a-z0-9-]{0,31})?$/, 'one or two lowercase words, e.g. "distribute preview"'),
  description: description.optional(),
  role: z.enum(['holder', 'operator', 'admin']),
  options: z
    .array(optionShape)
    .max(25)
    .refine((options) => new Set(options.map((o) => o.name)).size === options.length, 'option names must differ'),
  ephemeral: z.boolean().optional(),
  audit: z.boolean().optional(),
  movesMoney: z.boolean().optional(),
  handler: z.custom<AnyCommand['handler']>((v) => typeof v === 'function', 'must be a function (ctx, options) => Promise<CommandReply>'),
});

const cache = new Map<string, Promise<LoadedCommands>>();

/** Loads every command file once per directory and process. */
export function loadCommands(dir: string = DEFAULT_COMMANDS_DIR): Promise<LoadedCommands> {
  let loaded = cache.get(dir);
  if (!loaded) {
    loaded = loadFrom(dir);
    cache.set(dir, loaded);
  }
  return loaded;
}

async function loadFrom(dir: string): Promise<LoadedCommands> {
  const files = (await readdir(dir)).filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.d\.ts$|\.test\./.test(f)).sort();
  const found: { file: string; command: AnyCommand }[] = [];
  const problems: LoadProblem[] = [];
  for (const file of files) {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown };
    } catch (err) {
      problems.push({ file, problem: `does not load: ${(err as Error).message}` });
      continue;
    }
    const problem = checkCommand(module.default);
    if (problem) problems.push({ file, problem });
    else found.push({ file, command: module.default as AnyCommand });
  }
  const { kept, clashes } = withoutClashes(found);
  return { commands: kept, problems: [...problems, ...clashes] };
}

/** What is wrong with a module's default export as a command, or null when it is one. */
export function checkCommand(value: unknown): string | null {
  if (value === undefined) return 'has no default export; export default defineCommand({ ... })';
  const result = commandShape.safeParse(value);
  if (!result.success) return result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(command)'}: ${i.message}`).join('; ');
  const command = result.data;
  const undescribed = [
    ...(commandDescription(command, 'en') ? [] : ['description']),
    ...command.options.flatMap((o, i) => (optionDescription(command, o, 'en') ? [] : [`options.${i}.description`])),
  ];
  return undescribed.length ? undescribed.map((path) => `${path}: a description is required (src/i18n/catalogue/commands.ts, or the definition's own)`).join('; ') : null;
}

/** Leaves out names that clash: a second file with a taken name, or "rewards" next to "rewards something". */
function withoutClashes(found: readonly { file: string; command: AnyCommand }[]): { kept: AnyCommand[]; clashes: LoadProblem[] } {
  const kept: AnyCommand[] = [];
  const clashes: LoadProblem[] = [];
  const taken = new Map<string, string>();
  for (const { file, command } of found) {
    const { name } = command;
    const other = taken.get(name);
    const group = name.split(' ')[0] as string;
    if (other !== undefined) {
      clashes.push({ file, problem: `"${name}" is already the name of ${other}; left out` });
    } else if (!name.includes(' ') && found.some((f) => f.command.name.startsWith(`${name} `))) {
      clashes.push({ file, problem: `"${name}" is also a group of subcommands; Discord allows one or the other; left out` });
    } else if (name.includes(' ') && taken.has(group)) {
      clashes.push({ file, problem: `"${group}" is also a command; Discord allows one or the other; left out` });
    } else {
      taken.set(name, file);
      kept.push(command);
    }
  }
  return { kept, clashes };
}
