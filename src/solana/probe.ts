/**
 * Whether the RPC endpoint is there and is a Solana node: one `getVersion` through the gateway
 * (its pacing, retries and failover), judged from the raw answer. web3.js folds every failure into
 * "failed to get info about account …: <text>", which a chat cannot word; this says which of
 * "not answering" (no usable answer: network, timeout, 5xx, 429) and "not a Solana node" (an answer
 * that is not Solana JSON-RPC: 4xx, HTML, an unknown method, no `solana-core`) it is. Reasons name
 * no URL: an endpoint may carry its key in the URL.
 */
import { RpcHttpError, RpcTransportError } from './transport.js';

export type RpcVerdict = { ok: true; version: string; ms: number } | { ok: false; kind: 'unreachable' | 'not-solana'; reason: string; ms: number };

export interface RpcRequester {
  request(body: string, lane: 'interactive', signal?: AbortSignal): Promise<{ status: number; text: string }>;
}

/** Default time a probe may take, retries included: a chat answer should not wait longer. */
export const PROBE_TIMEOUT_MS = 5_000;

export async function probeRpc(gateway: RpcRequester, timeoutMs = PROBE_TIMEOUT_MS): Promise<RpcVerdict> {
  const started = Date.now();
  const ms = () => Date.now() - started;
  let answer: { status: number; text: string };
  let timer: NodeJS.Timeout | undefined;
  try {
    // The signal ends the retries' waits and the request; the timer also covers a wait in the pacer's queue.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('probe timed out'), { name: 'TimeoutError' })), timeoutMs + 250);
    });
    answer = await Promise.race([gateway.request(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getVersion' }), 'interactive', AbortSignal.timeout(timeoutMs)), late]);
  } catch (err) {
    return { ok: false, ...judgeFailure(err, timeoutMs), ms: ms() };
  } finally {
    clearTimeout(timer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    const html = /^\s*</.test(answer.text);
    return { ok: false, kind: 'not-solana', reason: html ? 'it answers with a web page, not JSON-RPC' : 'its answer is not JSON-RPC', ms: ms() };
  }
  const body = parsed as { result?: { 'solana-core'?: unknown }; error?: { code?: unknown; message?: unknown } } | null;
  if (body?.error) {
    const message = typeof body.error.message === 'string' ? body.error.message.slice(0, 80) : 'an error';
    return { ok: false, kind: 'not-solana', reason: `it does not serve getVersion (${message})`, ms: ms() };
  }
  const version = body?.result?.['solana-core'];
  if (typeof version !== 'string') return { ok: false, kind: 'not-solana', reason: 'its getVersion answer names no solana-core version', ms: ms() };
  return { ok: true, version, ms: ms() };
}

function judgeFailure(err: unknown, timeoutMs: number): { kind: 'unreachable' | 'not-solana'; reason: string } {
  if (err instanceof RpcTransportError) return { kind: 'unreachable', reason: err.kind === 'timeout' ? 'timed out' : 'network error' };
  if (err instanceof RpcHttpError) {
    const { status } = err;
    if (status === 429) return { kind: 'unreachable', reason: 'HTTP 429: it is rate-limiting us' };
    if (status >= 500) return { kind: 'unreachable', reason: `HTTP ${status}` };
    if (status === 401 || status === 403) return { kind: 'not-solana', reason: `HTTP ${status}: it refuses us (a missing or wrong API key?)` };
    return { kind: 'not-solana', reason: `HTTP ${status}: no JSON-RPC there` };
  }
  if ((err as { name?: unknown })?.name === 'TimeoutError' || (err as { name?: unknown })?.name === 'AbortError') {
    return { kind: 'unreachable', reason: `no answer within ${Math.round(timeoutMs / 1000)} s` };
  }
  return { kind: 'unreachable', reason: 'no usable answer' };
}

/** The sentence a chat shows for a failed verdict. */
export function rpcVerdictText(verdict: Extract<RpcVerdict, { ok: false }>): string {
  return verdict.kind === 'unreachable'
    ? `the RPC endpoint is not answering (${verdict.reason})`
    : `the RPC endpoint is not a Solana node (${verdict.reason}); check rpc.url (SOLANA_RPC_URL)`;
}
