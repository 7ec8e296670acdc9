import { resolveRpcLimits, type Config } from '../config/index.js';
import type { RpcGatewayOptions } from '../solana/gateway.js';
import type { RateLimitRule } from '../solana/sliding-window.js';

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
    maxConcurrent: limits.maxConcurrent ?? 8,
    timeoutMs: config.rpc.timeoutMs,
    retry: config.rpc.retry,
    circuitBreaker: config.rpc.circuitBreaker,
    commitment: 'confirmed',
  };
}

/** A link a person can open for a transaction, or null where no public explorer can show it. */
export function explorerLink(network: string, rpcUrl: string, signature: string): string | null {
  const base = `https://explorer.solana.com/tx/${signature}`;
  if (network === 'mainnet-beta') return base;
  if (network === 'devnet' || network === 'testnet') return `${base}?cluster=${network}`;
  // The explorer can read a custom RPC from the viewer's browser; only a URL without credentials may be shown.
  const url = new URL(rpcUrl);
  if (url.username || url.password || url.search) return null;
  return `${base}?cluster=custom&customUrl=${encodeURIComponent(rpcUrl)}`;
}
