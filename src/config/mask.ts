import { redactValue } from '../log/redact.js';
import type { Config } from './schema.js';

/**
 * A copy of the configuration that is safe to print or log: bot tokens become "***", and RPC and
 * Redis URLs keep scheme and host but lose user:password, query values and key-like path segments.
 * The copy is for display; it would not pass validation again.
 */
export function maskSecrets(config: Config): Config {
  return redactValue(config) as Config;
}
