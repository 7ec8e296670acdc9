/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** Dotted path of the key, e.g. "rpc.limits.maxConcurrent"; "" for the file as a whole. */
  path: string;
  /** What it must be and, where known, the value found and where it came from. */
  message: string;
}

/**
 * The configuration cannot be used. The message has one line per problem, each naming the key and
 * the fix, e.g. `config: rpc.limits.maxConcurrent: must be a positive integer (got -1 in ./tributary.json)`.
 * Values of secret keys and credentials in URLs never appear in it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `config: ${p.path === '' ? '' : `${p.path}: `}${p.message}`).join('\n'));
    this.problems = problems;
  }
}

export function isConfigError(value: unknown): value is ConfigError {
  return value instanceof ConfigError;
}
