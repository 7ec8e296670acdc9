import { createRequire } from 'node:module';
import { pino, type DestinationStream, type LogFn, type Logger, type LoggerOptions } from 'pino';
import { REDACTED, redactString, redactValue } from './redact.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** pino level name: fatal, error, warn, info, debug, trace or silent. Default "info". */
  level?: string;
  /**
   * Human-readable lines through pino-pretty instead of JSON. Default false; callers pass
   * `process.stdout.isTTY` so that files, pipes and log collectors always get JSON.
   */
  pretty?: boolean;
  /** Where lines go. Default stdout. Tests pass a stream to read what was written. */
  destination?: DestinationStream;
}

/** Property names hidden by pino itself, at the top level and two levels down. */
const REDACT_NAMES = ['keypair', 'secretKey', 'privateKey', 'token', 'authorization', 'password', 'apiKey'];
export const REDACT_PATHS: readonly string[] = REDACT_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]);

/**
 * The project's logger. Secrets are hidden in three layers, because a log line is the likeliest
 * place for one to escape (docs/invariants.md invariant 6):
 *  - every argument of a log call is deep-copied through redactValue (secret property names,
 *    RPC URLs with keys, bot tokens inside any string, Error messages and stacks included);
 *  - child-logger bindings go through the same function;
 *  - pino's own `redact` paths catch secret property names should a value bypass the above.
 */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    hooks: { logMethod: scrubArguments },
    // Errors arrive already scrubbed into plain objects; pino's own err serializer would rebuild
    // them and call every one an "Object". Only a raw Error that slipped past needs work here.
    serializers: { err: (value: unknown) => (value instanceof Error ? redactValue(value) : value) },
  };
  if (opts.pretty === true) {
    const pretty = loadPinoPretty();
    if (pretty !== null) {
      // In-process and synchronous: a terminal gets few lines, and a worker thread would need
      // flushing on exit. The prettifier only sees lines that were already scrubbed.
      return guardChildren(pino(options, pretty({ colorize: true, sync: true, destination: opts.destination ?? 1 })));
    }
    const logger = guardChildren(pino(options, opts.destination ?? pino.destination(1)));
    logger.warn('pino-pretty is not installed (it is a dev dependency); writing JSON lines');
    return logger;
  }
  return guardChildren(pino(options, opts.destination ?? pino.destination(1)));
}

/**
 * pino serializes a child's bindings once, when the child is made, and skips the bindings
 * formatter for children; so the bindings are scrubbed on the way in. Children are created with
 * Object.create(parent), so grandchildren inherit this `child` and `this` stays the right logger.
 */
function guardChildren(logger: Logger): Logger {
  const makeChild = logger.child;
  const setBindings = logger.setBindings;
  function safeChild(this: Logger, bindings: Record<string, unknown>, options?: unknown): Logger {
    return (makeChild as unknown as (b: unknown, o?: unknown) => Logger).call(this, redactValue(bindings), options);
  }
  function safeSetBindings(this: Logger, bindings: Record<string, unknown>): void {
    setBindings.call(this, redactValue(bindings) as Record<string, unknown>);
  }
  logger.child = safeChild as unknown as Logger['child'];
  logger.setBindings = safeSetBindings;
  return logger;
}

/**
 * pino hook run before a call is formatted. The message pino derives from an Error (when none is
 * given) is read from the scrubbed copy, so it is clean too.
 */
function scrubArguments(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const scrubbed = (args as unknown[]).map((arg, index) => {
    if (typeof arg === 'string') return redactString(arg);
    // pino files an Error passed first under `err`; keep that shape for the scrubbed copy.
    if (index === 0 && arg instanceof Error) return { err: redactValue(arg) };
    return redactValue(arg);
  });
  (method as (...a: unknown[]) => void).apply(this, scrubbed);
}

type PrettyFactory = (options: { colorize?: boolean; sync?: boolean; destination?: number | DestinationStream }) => DestinationStream;

function loadPinoPretty(): PrettyFactory | null {
  const require = createRequire(import.meta.url);
  try {
    return require('pino-pretty') as PrettyFactory;
  } catch {
    return null;
  }
}
