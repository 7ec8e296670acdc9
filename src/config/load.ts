import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { redactString } from '../log/redact.js';
import { ConfigError } from './errors.js';
import { describeIssues, valueAt } from './problems.js';
import { CONFIG_FILE_ENV, ENV_BINDINGS, nonEmpty } from './env.js';
import { configSchema, defaultConfig, type Config, type DeepPartial } from './schema.js';

export interface LoadConfigOptions {
  /** Environment to read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** JSON file merged over the defaults. Default: `env.TRIBUTARY_CONFIG`; no file when that is unset. */
  file?: string;
  /** Values that win over the file and the environment (tests, command-line flags). Default none. */
  overrides?: DeepPartial<Config>;
}

/**
 * The configuration, from lowest to highest precedence: schema defaults (shown in
 * config/default.json), the user's JSON file, environment variables, `overrides`. Reads nothing but
 * that file and the given env. Throws ConfigError listing every bad key at once.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const fileName = opts.file ?? nonEmpty(env[CONFIG_FILE_ENV]);
  const filePath = fileName === undefined ? undefined : resolve(fileName);
  const fromFile = filePath === undefined ? {} : readConfigFile(filePath, opts.file === undefined);
  const { values: fromEnv, sources: envSources } = readEnv(env);
  const overrides: unknown = opts.overrides ?? {};

  const input = deepMerge(deepMerge(fromFile, fromEnv), overrides);
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;

  const sourceOf = (path: readonly PropertyKey[]): string | undefined => {
    if (valueAt(overrides, path) !== undefined) return 'in overrides';
    const envName = envSources.get(path.join('.'));
    if (envName !== undefined) return `from env ${envName}`;
    if (filePath !== undefined && valueAt(fromFile, path) !== undefined) return `in ${filePath}`;
    return undefined;
  };
  throw new ConfigError(describeIssues(result.error.issues, { input, defaults: defaultConfig(), sourceOf }));
}

function readEnv(env: NodeJS.ProcessEnv): { values: Record<string, unknown>; sources: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const binding of ENV_BINDINGS) {
    const text = nonEmpty(env[binding.name]);
    if (text === undefined) continue;
    setAt(values, binding.path, binding.parse ? binding.parse(text) : text.trim());
    sources.set(binding.path.join('.'), binding.name);
  }
  return { values, sources };
}

function readConfigFile(path: string, fromEnv: boolean): Record<string, unknown> {
  const named = fromEnv ? `the config file named by TRIBUTARY_CONFIG (${path})` : `the config file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new ConfigError([{ path: '', message: `cannot read ${named}: ${why}; check the path${fromEnv ? ' or unset TRIBUTARY_CONFIG' : ''}` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes a piece of the file, which may hold a token: scrub it.
    const why = redactString(err instanceof Error ? err.message : String(err));
    throw new ConfigError([{ path: '', message: `${named} is not valid JSON (${why}); fix the syntax (JSON has no comments or trailing commas)` }]);
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError([{ path: '', message: `${named} must hold a JSON object such as { "network": "devnet" }` }]);
  }
  return parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `source` over `target`: objects merge key by key, anything else (arrays too) replaces; undefined is skipped. */
export function deepMerge(target: unknown, source: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(source)) return source === undefined ? target : source;
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined) out[key] = deepMerge(out[key], value);
  }
  return out;
}

function setAt(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = isPlainObject(next) ? next : (node[key] = {});
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}
