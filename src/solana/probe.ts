/**
 * Whether the RPC endpoint is there and is a Solana node: one `getVersion` through the gateway
 * (its pacing, retries and failover), judged from the raw answer. web3.js folds every failure into
 * "failed to get info about account …: <text>", which a chat cannot word; this says which of
 * "not answering" (no usable answer: network, timeout, 5xx, 429) and "not a Solana node" (an answer
 * that is not Solana JSON-RPC: 4xx, HTML, an unknown method, no `solana-core`) it is. Reasons name
 * no URL: an endpoint may carry its key in the URL.
 */
import { msg, type Message } from '../i18n/message.js';
import { RpcHttpError, RpcTransportError } from './transport.js';

/** Why the endpoint failed the probe, as a catalogue key and its parameters: a chat words it in its reader's language. */
export type RpcVerdict = { ok: true; version: string; ms: number } | { ok: false; kind: 'unreachable' | 'not-solana'; reason: Message; ms: number };

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
    return { ok: false, kind: 'not-solana', reason: msg(html ? 'rpc.reason.webPage' : 'rpc.reason.notJsonRpc'), ms: ms() };
  }
  const body = parsed as { result?: { 'solana-core'?: unknown }; error?: { code?: unknown; message?: unknown } } | null;
  if (body?.error) {
    // The endpoint's own error text is quoted as it is: it is the endpoint's, not ours to translate.
    const reason = typeof body.error.message === 'string' ? msg('rpc.reason.noGetVersion', { error: body.error.message.slice(0, 80) }) : msg('rpc.reason.noGetVersionBare');
    return { ok: false, kind: 'not-solana', reason, ms: ms() };
  }
  const version = body?.result?.['solana-core'];
  if (typeof version !== 'string') return { ok: false, kind: 'not-solana', reason: msg('rpc.reason.noVersion'), ms: ms() };
  return { ok: true, version, ms: ms() };
}

function judgeFailure(err: unknown, timeoutMs: number): { kind: 'unreachable' | 'not-solana'; reason: Message } {
  if (err instanceof RpcTransportError) return { kind: 'unreachable', reason: msg(err.kind === 'timeout' ? 'rpc.reason.timedOut' : 'rpc.reason.network') };
  if (err instanceof RpcHttpError) {
    const { status } = err;
    if (status === 429) return { kind: 'unreachable', reason: msg('rpc.reason.rateLimited') };
    if (status >= 500) return { kind: 'unreachable', reason: msg('rpc.reason.http', { status }) };
    if (status === 401 || status === 403) return { kind: 'not-solana', reason: msg('rpc.reason.refused', { status }) };
    return { kind: 'not-solana', reason: msg('rpc.reason.noJsonRpc', { status }) };
  }
  if ((err as { name?: unknown })?.name === 'TimeoutError' || (err as { name?: unknown })?.name === 'AbortError') {
    return { kind: 'unreachable', reason: msg('rpc.reason.noAnswerWithin', { seconds: Math.round(timeoutMs / 1000) }) };
  }
  return { kind: 'unreachable', reason: msg('rpc.reason.noUsableAnswer') };
}

/** What a chat says of a failed verdict, for the chat layer to word (and the English, say('en', …), for logs and /healthz). */
export function rpcVerdictMessage(verdict: Extract<RpcVerdict, { ok: false }>): Message {
  return msg(verdict.kind === 'unreachable' ? 'rpc.unreachable' : 'rpc.notSolana', { reason: verdict.reason });
}
