import { defineCommand } from '../src/chat/define.js';
import { amountParam, lamportsParam } from '../src/i18n/index.js';

export default defineCommand({
  name: 'health',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const { engine, logger } = ctx.app;
    const { t } = ctx;
    const lines: string[] = [t('cmd.health.network', { network: ctx.app.config.network })];
    const health = await engine.reads.health();
    if (health.rpc.ok) {
      lines.push(t('cmd.health.rpcOk', { slot: health.rpc.slot, ms: health.rpc.ms }));
    } else {
      // Which it is, not answering or no Solana node; the reason is the endpoint's own (probe.ts).
      const { verdict } = health.rpc;
      const what = verdict.ok
        ? t('cmd.health.noSlot')
        : verdict.kind === 'unreachable'
          ? t('cmd.health.unreachable', { reason: verdict.reason })
          : t('cmd.health.notSolana', { reason: verdict.reason });
      lines.push(t('cmd.health.rpcDown', { what, ms: health.rpc.ms }));
    }
    lines.push(t('cmd.health.requests', { requests: health.requests, errors: health.errors, limited: health.rateLimited }));
    lines.push(t('cmd.health.queue', { interactive: health.queued.interactive, bulk: health.queued.bulk }));
    try {
      const balances = await engine.reads.balances();
      lines.push(t('cmd.health.distributor', { address: engine.payer, sol: lamportsParam(balances.lamports) }));
      for (const token of balances.tokens) lines.push(t('cmd.health.token', { amount: amountParam(token.amount, token.decimals), mint: token.mint }));
    } catch (err) {
      logger.warn({ err }, 'health: balances not read');
      lines.push(t('cmd.health.noBalances', { address: engine.payer }));
    }
    const active = engine.service.activeIds();
    lines.push(active.length ? t('cmd.health.running', { ids: active.join(', ') }) : t('cmd.health.idle'));
    return { text: lines.join('\n') };
  },
});
