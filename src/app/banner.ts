import { amountParam, translator, type Locale, type Message } from '../i18n/index.js';
import { keypairFileAccess, openKeypairFileMessage } from '../solana/keypair.js';
import type { AppContext } from './context.js';

/** What is running and what to type first: the first thing `npm start` shows. */
export function formatBanner(opts: {
  context: AppContext;
  identity: { userId: string };
  logFile: string;
  embedded: boolean;
  recovered: string[];
  /** Why this process only reads distributions (another one runs them), if it does. */
  readOnly?: Message | null;
  metricsUrl: string | null;
  /** The console's language (LANG), else config.language. */
  locale?: Locale;
}): string {
  const { context, identity, logFile, embedded, recovered, metricsUrl } = opts;
  const t = translator(opts.locale ?? context.config.language);
  const net = context.localnet;
  const lines = ['', t('banner.title'), ''];
  if (embedded && net) {
    const s = net.scenario;
    const held = s.holders.reduce((sum, h) => sum + h.amount, 0n);
    lines.push(
      // The chain and its ledger are new at every start; the seed makes the demo community the same each time.
      t('banner.chain', { url: net.rpcUrl, seed: context.config.localnet.seed }),
      t('banner.demoToken', { mint: s.baseMint, holders: s.holders.length, held: amountParam(held, s.baseDecimals) }),
      t('banner.rewardToken', { mint: s.rewardMint }),
      t('banner.distributor', { address: s.distributor }),
    );
  } else {
    lines.push(t('banner.network', { network: context.config.network }), t('banner.distributor', { address: context.engine.payer }));
  }
  lines.push(
    t('banner.you', { user: identity.userId, role: context.config.roles.console }),
    t('banner.logs', { file: logFile }),
    metricsUrl ? t('banner.metrics', { url: metricsUrl }) : t('banner.metricsOff'),
  );
  if (recovered.length) lines.push(t('banner.resumed', { ids: recovered.join(', ') }));
  if (opts.readOnly) lines.push(t('banner.readOnly', { reason: opts.readOnly }));
  // As ssh does: a key that others can read is said at once (the CLI refuses it on mainnet-beta).
  const keypairPath = context.config.keypairPath ?? net?.scenario.keypairPath;
  const access = keypairPath ? keypairFileAccess(keypairPath) : null;
  if (access?.open) lines.push(t('banner.keypair', { warning: openKeypairFileMessage(access) }));
  lines.push('', t('banner.tryFirst'), '  /help');
  if (net) {
    lines.push(`  /holders snapshot token:${net.scenario.baseMint}`, `  /distribute preview token:${net.scenario.baseMint} amount:1000 reward:${net.scenario.rewardMint}`);
  }
  lines.push('', '');
  return lines.join('\n');
}
