/**
 * The one place that decides what a secret looks like (docs/invariants.md invariant 6). Config masking, the
 * logger and anything that renders an error for a human call into this module, so a new secret
 * shape is added once and hidden everywhere. What is secret in a URL is url-secrets.ts's rule, which
 * explorer links use too.
 */
import { maskUrl as maskUrlParts, REDACTED } from './url-secrets.js';

export { REDACTED, urlCarriesSecret } from './url-secrets.js';

/**
 * Property names whose value is a secret whatever it looks like. Compared after lower-casing and
 * dropping `-` and `_`, so `api_key`, `apiKey` and `API-KEY` are one name.
 * `token` is here because bot tokens travel under that name; a field holding a mint address should
 * be called `mint`, not `token`, or it will be hidden from logs.
 */
const SECRET_NAMES = new Set([
  'secretkey',
  'privatekey',
  'secret',
  'keypair',
  'seedphrase',
  'mnemonic',
  'token',
  'bottoken',
  'accesstoken',
  'refreshtoken',
  'discordtoken',
  'telegramtoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'password',
  'passwd',
  'passphrase',
  'apikey',
  'xapikey',
]);

function normalizeName(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** True when a property of this name holds a secret and its value must never be shown. */
export function isSecretKey(key: string): boolean {
  return SECRET_NAMES.has(normalizeName(key));
}

/**
 * Hides the credentials of one URL (the rule is url-secrets.ts's) and scrubs token shapes from the
 * path segments it shows. A string that does not parse is returned as is (redactString still scrubs
 * token shapes inside it).
 */
export function maskUrl(raw: string): string {
  return maskUrlParts(raw, scrubTokens);
}

// A URL inside free text: scheme://, then anything up to whitespace, a quote or a bracket.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
// Telegram bot token: the bot's numeric id, a colon, 35 URL-safe characters. No leading \b: inside
// an API URL the token follows "bot" with no word boundary in between.
const TELEGRAM_TOKEN = /\d{6,12}:[A-Za-z0-9_-]{30,}/g;
// Discord bot token: base64 user id, base64 timestamp, HMAC, dot-separated.
const DISCORD_TOKEN = /[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g;
// Any JSON Web Token (some RPC providers hand these out).
const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
// A credential in a query string that did not parse as a URL (no scheme, a space in it...).
const SECRET_QUERY_PARAM = /([?&](?:api[-_]?key|key|token|access[-_]?token|auth|secret|password)=)[^&\s"'#]+/gi;
// A keypair file's bytes quoted in an error, e.g. JSON.parse's snippet of a malformed keypair:
// 32 or more small integers in a comma-separated run.
const BYTE_ARRAY = /\[?\s*(?:\d{1,3}\s*,\s*){31,}\d{1,3}\s*\]?/g;

function scrubTokens(text: string): string {
  return text.replace(TELEGRAM_TOKEN, REDACTED).replace(JWT, REDACTED).replace(DISCORD_TOKEN, REDACTED).replace(BYTE_ARRAY, `[${REDACTED}]`);
}

/**
 * Scrubs every secret shape this module knows from free text: URLs with credentials, bot tokens,
 * JWTs and keypair byte arrays. Safe on any string, including error messages and stacks.
 */
export function redactString(text: string): string {
  // Cheap pre-checks first: the logger calls this for every string it writes.
  let out = text.includes('://') ? text.replace(URL_IN_TEXT, (url) => maskUrl(url)) : text;
  if (out.includes('=')) out = out.replace(SECRET_QUERY_PARAM, `$1${REDACTED}`);
  if (out.length >= 30) out = scrubTokens(out);
  return out;
}

const MAX_DEPTH = 12;

/**
 * A JSON-safe deep copy of `value` with secrets hidden: values under secret property names become
 * "***", strings are scrubbed, bytes are summarized (a Uint8Array may be a secret key), bigint
 * becomes its decimal string (amounts are decimal strings outside the engine), Errors become
 * plain `{ type, message, stack, ...props, cause }` objects. Cycles and very deep nesting are cut.
 */
export function redactValue(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return walkError(value, depth, seen);
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, seen));
    if (value instanceof Map) return walkEntries(value.entries(), depth, seen);
    if (value instanceof Set) return [...value].map((item) => walk(item, depth + 1, seen));
    if (value instanceof Date) return value.toISOString();
    // PublicKey, BN and friends know how to show themselves; their internals are noise.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, seen);
    return walkEntries(Object.entries(value), depth, seen);
  } finally {
    seen.delete(value);
  }
}

function walkEntries(entries: Iterable<[unknown, unknown]>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, item] of entries) {
    const key = String(rawKey);
    out[key] = isSecretKey(key) && item !== null && item !== undefined ? REDACTED : walk(item, depth + 1, seen);
  }
  return out;
}

function walkError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? err.name,
    message: redactString(err.message),
  };
  if (err.stack !== undefined) out['stack'] = redactString(err.stack);
  Object.assign(out, walkEntries(Object.entries(err), depth, seen));
  if (err.cause !== undefined) out['cause'] = walk(err.cause, depth + 1, seen);
  if (err instanceof AggregateError) out['errors'] = err.errors.map((e: unknown) => walk(e, depth + 1, seen));
  return out;
}
