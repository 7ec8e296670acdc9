import { defineCommand } from '../src/chat/define.js';
import { CommandError } from '../src/chat/errors.js';
import { formatSeconds, iso } from '../src/chat/format.js';

export default defineCommand({
  name: 'alerts list',
  description: 'Active alerts, most severe first',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const monitoring = ctx.app.monitoring;
    if (!monitoring) throw new CommandError('MONITORING_OFF', 'monitoring is not running in this process');
    const alerts = monitoring.monitor.alerts.list();
    if (alerts.length === 0) return { text: 'No active alert.' };
    const now = Date.now();
    return {
      text: [
        `${alerts.length} active alert${alerts.length === 1 ? '' : 's'}:`,
        ...alerts.map((a) => {
          const ack = a.acknowledgedBy ? `acknowledged by ${a.acknowledgedBy}` : `acknowledge: /alerts ack id:${a.id}`;
          return `[${a.id}] ${a.severity} · ${a.ruleId}: ${a.metric} ${a.value} (${a.operator} ${a.threshold}) for ${formatSeconds((now - a.firedAt) / 1000)} since ${iso(a.firedAt)} · ${ack}`;
        }),
      ].join('\n'),
    };
  },
});
