/**
 * The one rule for what is secret in a URL (docs/invariants.md invariant 6). Providers put API keys in three
 * places: the userinfo (`https://user:key@host`), the query (`?api-key=…`, `?token=…`, under many
 * names) and the path (`https://x.quiknode.pro/<token>/`, `…/v2/<key>`, or any host behind a
 * private gateway: `http://127.0.0.1:18899/SEKRETAPIKEY0123456789abcdef`). The logger's redaction,
 * `config show` and every explorer link decide with this module, so a URL that is masked in a log
 * line is also never put whole into a chat message.
 */

/** What a hidden secret is replaced with. */
export const REDACTED = '***';

/**
 * Query parameters that are safe to show. Every other parameter's value is a secret: providers name
 * their key parameter api-key, apikey, key, token, auth, access_token... and new names appear.
 */
const PUBLIC_QUERY_PARAMS = new Set(['cluster']);

/** Hosts whose long path segments are signatures and addresses, not keys. */
const EXPLORER_HOSTS = new Set(['explorer.solana.com', 'solscan.io', 'solana.fm', 'orb.helius.dev']);

/**
 * A path segment that looks like an API key on any host: long and URL-safe, with letters and digits
 * (`9f8e7d6c5b4a…`, `SEKRETAPIKEY0123…`), or very long whatever it holds. Plain path words such as
 * `mainnet-beta`, `v2` or `rpc` are short or have no digits.
 */
export function looksLikeKeySegment(segment: string): boolean {
  if (!/^[A-Za-z0-9_~.-]+$/.test(segment)) return false;
  if (segment.length >= 32) return true;
  return segment.length >= 16 && /\d/.test(segment) && /[A-Za-z]/.test(segment);
}

/** A URL split into what may be shown and which parts are secret. */
export interface UrlParts {
  /** `https:` */
  protocol: string;
  /** Host and port, as the URL class writes them. */
  host: string;
  hasUserinfo: boolean;
  /** Path segments, each with whether it is a secret. */
  segments: { text: string; secret: boolean }[];
  /** Query parameters in order, each with whether its value is a secret. */
  params: { name: string; value: string; secret: boolean }[];
}

/** The parts of an absolute URL with a host; null for text that is not one. */
export function urlParts(raw: string): UrlParts | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.host === '') return null;
  const explorer = EXPLORER_HOSTS.has(url.hostname);
  return {
    protocol: url.protocol,
    host: url.host,
    hasUserinfo: url.username !== '' || url.password !== '',
    segments: url.pathname.split('/').map((text) => ({ text, secret: !explorer && looksLikeKeySegment(decodeSafely(text)) })),
    params: [...url.searchParams].map(([name, value]) => ({ name, value, secret: !isPublicParam(explorer, name, value) })),
  };
}

/**
 * A query parameter that may be shown: `cluster`, and on an explorer link the custom cluster's
 * endpoint (`customUrl`) when that endpoint, by this same rule, carries nothing secret.
 */
function isPublicParam(explorer: boolean, name: string, value: string): boolean {
  if (PUBLIC_QUERY_PARAMS.has(name)) return true;
  return explorer && name === 'customUrl' && !urlCarriesSecret(value);
}

/**
 * Whether a URL carries anything secret: userinfo, a query value other than the public ones, or a
 * key-like path segment. Text that is not a URL counts as secret: nothing can be said about it.
 */
export function urlCarriesSecret(raw: string): boolean {
  const parts = urlParts(raw);
  if (parts === null) return true;
  return parts.hasUserinfo || parts.params.some((p) => p.secret) || parts.segments.some((s) => s.secret);
}

/**
 * The URL with its secrets replaced by `***`, keeping what tells endpoints apart: scheme, host,
 * port and the shape of the path. `https://user:pw@rpc.example/abc123...?api-key=x` becomes
 * `https://***@rpc.example/***?api-key=***`. Text that does not parse as a URL is returned as is.
 * `scrubSegment` cleans the segments that are shown (the logger passes its token scrubber).
 */
export function maskUrl(raw: string, scrubSegment: (segment: string) => string = (s) => s): string {
  const parts = urlParts(raw);
  if (parts === null) return raw;
  const path = parts.segments.map((s) => (s.secret ? REDACTED : scrubSegment(s.text))).join('/');
  // Nothing to hide: the text stays exactly as it was (an explorer link keeps its encoding).
  if (!parts.hasUserinfo && !parts.params.some((p) => p.secret) && path === parts.segments.map((s) => s.text).join('/')) return raw;
  const userinfo = parts.hasUserinfo ? `${REDACTED}@` : '';
  const query = parts.params.length > 0 ? `?${parts.params.map((p) => `${p.name}=${p.secret ? REDACTED : encodeURIComponent(p.value)}`).join('&')}` : '';
  // The URL class would re-add a trailing slash to a bare host; keep the text close to the input.
  const showPath = path === '/' && !raw.replace(/[?#].*$/, '').endsWith('/') ? '' : path;
  return `${parts.protocol}//${userinfo}${parts.host}${showPath}${query}`;
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
