import { defineCommand } from '../src/chat/define.js';
import { msg } from '../src/i18n/index.js';
import { CommandError } from '../src/chat/errors.js';
import { who } from '../src/chat/format.js';

export default defineCommand({
  name: 'alerts ack',
  role: 'operator',
  audit: true,
  options: [{ name: 'id', type: 'string', required: true }],
  async handler(ctx, o) {
    const monitoring = ctx.app.monitoring;
    if (!monitoring) throw new CommandError('MONITORING_OFF', msg('err.monitoringOff'));
    const by = ctx.t.say(who(ctx.caller.actor));
    const alert = await monitoring.monitor.alerts.ack(o.id, by);
    if (!alert) throw new CommandError('ALERT_NOT_FOUND', msg('err.alertNotFound', { id: o.id.slice(0, 16) }));
    return { text: ctx.t('cmd.alerts.ackDone', { id: alert.id, rule: alert.ruleId, name: alert.acknowledgedBy ?? by }) };
  },
});
