import { defineCommand } from '../src/chat/define.js';
import { msg } from '../src/i18n/index.js';
import { CommandError } from '../src/chat/errors.js';
import { opsText } from '../src/chat/ops-text.js';
import { reportLines } from '../src/monitor/report.js';
import { isDate } from '../src/time/zone.js';
import type { ReplyFile } from '../src/chat/types.js';

export default defineCommand({
  name: 'report',
  role: 'operator',
  options: [{ name: 'date', type: 'string' }],
  async handler(ctx, o) {
    const monitoring = ctx.app.monitoring;
    if (!monitoring) throw new CommandError('MONITORING_OFF', msg('err.monitoringOff'));
    const { reports } = monitoring.monitor;
    const latest = reports.latestFullDay();
    if (o.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.date)) {
      throw new CommandError('INVALID_OPTION', msg('err.date.shape', { latest }));
    }
    if (o.date !== undefined && !isDate(o.date)) {
      throw new CommandError('INVALID_OPTION', msg('err.date.notADay', { date: o.date, latest }));
    }
    if (o.date !== undefined && o.date > reports.today()) {
      throw new CommandError('INVALID_OPTION', msg('err.date.future', { date: o.date, latest }));
    }
    // Without a date: the latest day that has ended, whatever the hour (the posting time only
    // decides when the scheduled report goes out).
    const date = o.date ?? reports.latestFullDay();
    const report = await reports.build(date);
    const files: ReplyFile[] = [];
    if (report.minutesRecorded > 0) {
      try {
        // Loaded on demand: the drawing library is only needed when someone asks for a chart.
        const { renderDayChart } = await import('../src/monitor/chart.js');
        files.push({
          name: `tributary-${date}.png`,
          bytes: await renderDayChart(report, ctx.t.say, { latencyTargetMs: ctx.app.config.monitor.report.recommend.latencyP95Ms }),
          contentType: 'image/png',
        });
      } catch (err) {
        // The numbers matter more than the picture.
        ctx.app.logger.warn({ err, date }, 'report chart not rendered');
      }
    }
    return { text: opsText({ lines: reportLines(report) }, ctx.t.locale), files };
  },
});
