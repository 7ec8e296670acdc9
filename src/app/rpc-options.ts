import { resolveRpcLimits, type Config } from '../config/index.js';
import { urlCarriesSecret } from '../log/url-secrets.js';
import type { RpcGatewayOptions } from '../solana/gateway.js';
import type { RateLimitRule } from '../solana/sliding-window.js';

/** Requests in flight per endpoint when neither the provider's preset nor rpc.limits caps them: this process's own cap. */
export const OWN_CONCURRENCY_CAP = 8;

/** The gateway's options from config: the preset's published budget with the operator's overrides. */
export function gatewayOptions(config: Config, url: string): RpcGatewayOptions {
  const limits = resolveRpcLimits(config.rpc.preset, config.rpc.limits);
  const hasLimit = limits.requestsPerWindow !== null || limits.perMethodPerWindow !== null || limits.sendTransactionPerSecond !== null;
  const limit: RateLimitRule | null = hasLimit
    ? {
        requestsPerWindow: limits.requestsPerWindow ?? Number.MAX_SAFE_INTEGER,
        windowMs: limits.windowMs,
        ...(limits.perMethodPerWindow !== null ? { perMethodPerWindow: limits.perMethodPerWindow } : {}),
        ...(limits.sendTransactionPerSecond !== null ? { methods: { sendTransaction: { requests: limits.sendTransactionPerSecond, windowMs: 1_000 } } } : {}),
      }
    : null;
  return {
    url,
    fallbackUrl: config.rpc.fallbackUrl,
    limit,
    maxConcurrent: limits.maxConcurrent ?? OWN_CONCURRENCY_CAP,
    timeoutMs: config.rpc.timeoutMs,
    retry: config.rpc.retry,
    circuitBreaker: config.rpc.circuitBreaker,
    commitment: 'confirmed',
  };
}

/**
 * A link a person can open for a transaction, or null where no public explorer can show it. On a
 * custom cluster the explorer reads the RPC endpoint from the viewer's browser, so the endpoint goes
 * into the link whole; an endpoint that carries anything secret by url-secrets.ts's rule (userinfo,
 * a query value, a key-like path segment on any host) gives no link at all: a link with only its
 * scheme, host and port would point the explorer at an endpoint that does not answer, and chat shows
 * the signature instead.
 */
export function explorerLink(network: string, rpcUrl: string, signature: string): string | null {
  const base = `https://explorer.solana.com/tx/${signature}`;
  if (network === 'mainnet-beta') return base;
  if (network === 'devnet' || network === 'testnet') return `${base}?cluster=${network}`;
  if (urlCarriesSecret(rpcUrl)) return null;
  return `${base}?cluster=custom&customUrl=${encodeURIComponent(rpcUrl)}`;
}
