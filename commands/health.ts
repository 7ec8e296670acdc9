import { defineCommand } from '../src/chat/define.js';
import { sol } from '../src/chat/format.js';
import { formatAmount } from '../src/engine/amounts.js';

export default defineCommand({
  name: 'health',
  description: 'RPC status, distributor balances, request queue and running distributions',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const { engine, logger } = ctx.app;
    const lines: string[] = [`Network: ${ctx.app.config.network}`];
    const health = await engine.reads.health();
    if (health.rpc.ok) {
      lines.push(`RPC: answering, slot ${health.rpc.slot}, ${health.rpc.ms} ms`);
    } else {
      // Which it is, not answering or no Solana node, in the words every command uses (probe.ts).
      const { verdict } = health.rpc;
      const what = verdict.ok ? 'NOT answering getSlot' : verdict.kind === 'unreachable' ? `NOT answering (${verdict.reason})` : `not a Solana node (${verdict.reason})`;
      lines.push(`RPC: ${what} after ${health.rpc.ms} ms (details in the log)`);
    }
    lines.push(`RPC requests: ${health.requests} · errors ${health.errors} · rate-limited ${health.rateLimited}`);
    lines.push(`Queue: ${health.queued.interactive} interactive, ${health.queued.bulk} bulk`);
    try {
      const balances = await engine.reads.balances();
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
