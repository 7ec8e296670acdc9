/**
 * The environment variables that set config keys, apart from the schema so that a reader can tell
 * whether anything overrides a default without loading zod (`tributary config show`, src/cli).
 */

/** An environment variable that sets one config key. */
export interface EnvBinding {
  name: string;
  path: readonly string[];
  /** Turns the text into the key's type; text that does not convert is passed on for zod to report. */
  parse?: (text: string) => unknown;
}

const integer = (text: string): unknown => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text);

/** Every environment variable that overrides a config key (TRIBUTARY_CONFIG names the file instead). */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: 'SOLANA_RPC_URL', path: ['rpc', 'url'] },
  { name: 'TRIBUTARY_KEYPAIR', path: ['keypairPath'] },
  { name: 'TRIBUTARY_DATA_DIR', path: ['dataDir'] },
  { name: 'DISCORD_TOKEN', path: ['discord', 'token'] },
  { name: 'DISCORD_API_BASE', path: ['discord', 'apiBase'] },
  { name: 'TELEGRAM_TOKEN', path: ['telegram', 'token'] },
  { name: 'TELEGRAM_API_ROOT', path: ['telegram', 'apiRoot'] },
  { name: 'REDIS_URL', path: ['store', 'redisUrl'] },
  { name: 'TRIBUTARY_HTTP_HOST', path: ['http', 'host'] },
  { name: 'TRIBUTARY_HTTP_PORT', path: ['http', 'port'], parse: integer },
  { name: 'LOG_LEVEL', path: ['log', 'level'] },
];

/** The environment variable that names a JSON config file merged over the defaults. */
export const CONFIG_FILE_ENV = 'TRIBUTARY_CONFIG';

/** An empty variable counts as unset: compose files and CI often define `FOO=` for optional ones. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The first variable in `env` that would change the configuration (a config file or a key), or
 * null when the configuration is exactly the schema's defaults.
 */
export function firstOverride(env: NodeJS.ProcessEnv): string | null {
  for (const name of [CONFIG_FILE_ENV, ...ENV_BINDINGS.map((b) => b.name)]) {
    if (nonEmpty(env[name]) !== undefined) return name;
  }
  return null;
}
