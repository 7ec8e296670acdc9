import { formatAmount } from '../engine/amounts.js';
import { keypairFileAccess, openKeypairFileWarning } from '../solana/keypair.js';
import type { AppContext } from './context.js';

/** What is running and what to type first: the first thing `npm start` shows. */
export function formatBanner(opts: {
  context: AppContext;
  identity: { userId: string };
  logFile: string;
  embedded: boolean;
  recovered: string[];
  /** Why this process only reads distributions (another one runs them), if it does. */
  readOnly?: string | null;
  metricsUrl: string | null;
}): string {
  const { context, identity, logFile, embedded, recovered, metricsUrl } = opts;
  const net = context.localnet;
  const lines = ['', 'Tributary: Solana reward distributions from chat', ''];
  if (embedded && net) {
    const s = net.scenario;
    const held = s.holders.reduce((sum, h) => sum + h.amount, 0n);
    lines.push(
      // The chain and its ledger are new at every start; the seed makes the demo community the same each time.
      `  chain        embedded local chain (litesvm) at ${net.rpcUrl}; a new chain and ledger at every start, the same demo token and holders each time (localnet.seed ${context.config.localnet.seed})`,
      `  demo token   ${s.baseMint}  (${s.holders.length} holders, ${formatAmount(held, s.baseDecimals)} held)`,
      `  reward token ${s.rewardMint}  (the distributor holds the supply), or SOL`,
      `  distributor  ${s.distributor}`,
    );
  } else {
    lines.push(`  network      ${context.config.network}`, `  distributor  ${context.engine.payer}`);
  }
  lines.push(
    `  you          ${identity.userId} on the console, role ${context.config.roles.console}`,
    `  logs         ${logFile}`,
    `  metrics      ${metricsUrl ? `${metricsUrl}/metrics and ${metricsUrl}/healthz` : 'off (port in use)'}`,
  );
  if (recovered.length) lines.push(`  resumed      ${recovered.join(', ')}`);
  if (opts.readOnly) lines.push(`  read-only    ${opts.readOnly}`);
  // As ssh does: a key that others can read is said at once (the CLI refuses it on mainnet-beta).
  const keypairPath = context.config.keypairPath ?? net?.scenario.keypairPath;
  const access = keypairPath ? keypairFileAccess(keypairPath) : null;
  if (access?.open) lines.push(`  ⚠ keypair    ${openKeypairFileWarning(access)}`);
  lines.push('', 'Try first:', '  /help');
  if (net) {
    lines.push(`  /holders snapshot token:${net.scenario.baseMint}`, `  /distribute preview token:${net.scenario.baseMint} amount:1000 reward:${net.scenario.rewardMint}`);
  }
  lines.push('', '');
  return lines.join('\n');
}
