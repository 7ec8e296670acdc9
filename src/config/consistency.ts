import type { Network } from './schema.js';

/** A rule across several fields; each field is valid alone. */
export interface ConsistencyIssue {
  path: string[];
  message: string;
}

interface CheckedFields {
  network: Network;
  rpc: { url: string | null; fallbackUrl: string | null; preset: string };
}

/** Hosts of public endpoints whose cluster is known, to catch a `network` that does not match. */
const KNOWN_CLUSTER_HOSTS: Record<string, Network> = {
  'api.mainnet-beta.solana.com': 'mainnet-beta',
  'api.devnet.solana.com': 'devnet',
  'api.testnet.solana.com': 'testnet',
  'mainnet.helius-rpc.com': 'mainnet-beta',
  'devnet.helius-rpc.com': 'devnet',
};

/**
 * A host on this machine or a private network: a local validator, or a container name. Only the
 * host is ever put in a message: the rest of an RPC URL may carry a key.
 */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0.0.0.0' ||
    !host.includes('.') ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host)
  );
}

/** null for text that is not a URL: its own field reports that (zod runs these checks anyway). */
function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/**
 * Money safety depends on these agreeing: `network` turns on mainnet risk flags, and `rpc.preset`
 * is the pacing that keeps a large distribution under the provider's limit.
 */
export function checkConsistency(config: CheckedFields): ConsistencyIssue[] {
  const issues: ConsistencyIssue[] = [];
  const { network, rpc } = config;
  if (typeof rpc !== 'object' || rpc === null) return issues; // reported as "rpc: must be an object"
  if (rpc.url === null) {
    if (network !== 'localnet') {
      issues.push({
        path: ['rpc', 'url'],
        message: `must be set when network is "${network}" (without it the embedded local chain runs); set SOLANA_RPC_URL or rpc.url, or set network to "localnet"`,
      });
    }
    if (rpc.fallbackUrl !== null) {
      issues.push({ path: ['rpc', 'fallbackUrl'], message: 'needs rpc.url as well: a fallback is only used when a primary endpoint fails; set rpc.url' });
    }
    return issues;
  }
  const host = hostOf(rpc.url);
  if (host === null) return issues;
  const known = KNOWN_CLUSTER_HOSTS[host];
  if (known !== undefined && known !== network) {
    issues.push({ path: ['network'], message: `must be "${known}": rpc.url points at ${host}, a ${known} endpoint` });
  } else if (known === undefined && network === 'localnet' && !isLocalHost(host)) {
    issues.push({
      path: ['network'],
      message: `must name the cluster that rpc.url (${host}) serves: "devnet", "testnet" or "mainnet-beta"; "localnet" is for the embedded chain or a local validator`,
    });
  }
  if (rpc.preset === 'localnet' && !isLocalHost(host)) {
    issues.push({
      path: ['rpc', 'preset'],
      message: `must be your provider's plan, e.g. "public-mainnet" or "helius-free" ("localnet" sets no rate limit, and ${host} would answer 429); use "unlimited" for a node without limits`,
    });
  }
  return issues;
}
