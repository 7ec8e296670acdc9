import { defineCommand } from '../src/chat/define.js';
import { durationParam, instantParam, msg } from '../src/i18n/index.js';
import { CommandError } from '../src/chat/errors.js';

export default defineCommand({
  name: 'alerts list',
  role: 'operator',
  options: [],
  async handler(ctx) {
    const monitoring = ctx.app.monitoring;
    if (!monitoring) throw new CommandError('MONITORING_OFF', msg('err.monitoringOff'));
    const alerts = monitoring.monitor.alerts.list();
    if (alerts.length === 0) return { text: ctx.t('cmd.alerts.none') };
    const now = Date.now();
    return {
      text: [
        ctx.t('cmd.alerts.title', { count: alerts.length }),
        ...alerts.map((a) => {
          const ack = a.acknowledgedBy ? ctx.t('cmd.alerts.acked', { name: a.acknowledgedBy }) : ctx.t('cmd.alerts.ackHint', { id: a.id });
          return ctx.t('cmd.alerts.line', {
            id: a.id,
            severity: msg(`cmd.alerts.severity.${a.severity}`),
            rule: a.ruleId,
            metric: a.metric,
            value: a.value,
            op: a.operator,
            threshold: a.threshold,
            duration: durationParam((now - a.firedAt) / 1000),
            since: instantParam(a.firedAt),
            ack,
          });
        }),
      ].join('\n'),
    };
  },
});
