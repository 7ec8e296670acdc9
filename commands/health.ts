import { defineCommand } from '../src/chat/define.js';
import { distributorBalances } from '../src/chat/balances.js';
import { sol } from '../src/chat/format.js';
import { formatAmount } from '../src/engine/amounts.js';
import { probeRpc } from '../src/solana/probe.js';

export default defineCommand({
  name: 'health',
  description: 'RPC status, distributor balances, request queue and running distributions',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const { engine, logger } = ctx.app;
    const lines: string[] = [`Network: ${ctx.app.config.network}`];
    const started = Date.now();
    try {
      const slot = await engine.gateway.connection('interactive').getSlot();
      lines.push(`RPC: answering, slot ${slot}, ${Date.now() - started} ms`);
    } catch (err) {
      // The error text may carry the endpoint URL (and its key): the log redacts, a chat would not.
      logger.warn({ err }, 'health: RPC did not answer');
      // Which it is, not answering or no Solana node, in the words every command uses (probe.ts).
      const verdict = await probeRpc(engine.gateway);
      const what = verdict.ok ? 'NOT answering getSlot' : verdict.kind === 'unreachable' ? `NOT answering (${verdict.reason})` : `not a Solana node (${verdict.reason})`;
      lines.push(`RPC: ${what} after ${Date.now() - started} ms (details in the log)`);
    }
    const stats = engine.gateway.stats();
    const requests = Object.values(stats.requestsByMethod).reduce((a, b) => a + b, 0);
    const errors = Object.values(stats.errorsByMethod).reduce((a, b) => a + b, 0);
    lines.push(`RPC requests: ${requests} · errors ${errors} · rate-limited ${stats.rateLimited}`);
    lines.push(`Queue: ${stats.queued.interactive} interactive, ${stats.queued.bulk} bulk`);
    try {
      const balances = await distributorBalances(ctx.app);
      lines.push(`Distributor ${engine.payer}: ${sol(balances.lamports)}`);
      for (const t of balances.tokens) lines.push(`  ${formatAmount(t.amount, t.decimals)} of ${t.mint}`);
    } catch (err) {
      logger.warn({ err }, 'health: balances not read');
      lines.push(`Distributor ${engine.payer}: balances not readable now (details in the log)`);
    }
    const active = engine.service.activeIds();
    lines.push(active.length ? `Running: ${active.join(', ')}` : 'Running: none');
    return { text: lines.join('\n') };
  },
});
