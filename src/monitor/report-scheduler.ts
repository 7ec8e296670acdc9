import type Keyv from 'keyv';
import type { Target } from './config.js';
import { errorDetail, silentLogger, type MonitorLogger } from './logger.js';
import type { OpsFile, OpsMessage, OpsNotifier } from './notifier.js';
import { buildDailyReport, reportLines, type DailyReport, type RangeSource, type ReportOptions } from './report.js';
import type { Message } from '../i18n/message.js';
import { latestOccurrence, type CronTimes } from '../time/cron.js';
import { addDays, localDate } from '../time/zone.js';
import { DAY_MS } from './time.js';

/**
 * Posts the previous local day's report at the configured local time. When that time falls is
 * croner's (src/time/cron.ts: a daylight-saving change neither skips nor doubles a post). A check
 * on a short unref'd interval (report.checkIntervalMs) posts it within that interval, also on a
 * machine that slept through the moment, and the same check at start-up posts a report that was due
 * while the process was down, once (the last posted date is kept in the store).
 */

export interface ReportSchedulerOptions {
  history: RangeSource;
  /** Keyv namespace for the scheduler's state ("last posted date"). */
  store: Keyv;
  notifier: OpsNotifier;
  /** Local posting time "HH:MM". */
  time: string;
  timeZone: string;
  targets: readonly Target[];
  /** Default true. */
  chart?: boolean;
  /** The rest is the config's `monitor.report`, whose schema is the one place of their defaults. */
  successRateTarget: number;
  recommend: ReportOptions['recommend'];
  /** How often a missed posting is looked for, ms. */
  checkIntervalMs: number;
  /** Renders the PNG; injected so the scheduler does not load the drawing library unless a chart is wanted. */
  renderChart?: (report: DailyReport, say: (m: Message) => string) => Promise<Uint8Array>;
  now?: () => number;
  logger?: MonitorLogger;
}

const LAST_POSTED_KEY = 'last-posted-date';

export class ReportScheduler {
  private readonly now: () => number;
  private readonly logger: MonitorLogger;
  /** The posting time as a daily cron pattern in the report's zone. */
  private readonly posting: CronTimes;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(private readonly options: ReportSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    const match = /^(\d{1,2}):(\d{2})$/.exec(options.time);
    if (!match) throw new RangeError(`report time must be HH:MM, got "${options.time}"`);
    this.posting = { cron: `${Number(match[2])} ${Number(match[1])} * * *`, tz: options.timeZone };
  }

  /** Posts a report missed while the process was down, then checks on an unref'd interval. */
  async start(): Promise<void> {
    await this.check();
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** The latest local date whose report is due at `now`: yesterday once today's posting time has passed. */
  dueDate(now = this.now()): string {
    // The latest posting at or before now (today's once it is past, else yesterday's) reports the day before it.
    const postedAt = latestOccurrence(this.posting, now) ?? now - DAY_MS;
    return addDays(localDate(postedAt, this.options.timeZone), -1);
  }

  /**
   * The latest local day that has ended at `now`: yesterday in the report's time zone, whatever the
   * hour. What someone asking for "the report" wants; `dueDate` is the posting schedule's (before the
   * posting time, yesterday's report is not due yet).
   */
  latestFullDay(now = this.now()): string {
    return addDays(localDate(now, this.options.timeZone), -1);
  }

  /** Today's local date in the report's time zone. */
  today(now = this.now()): string {
    return localDate(now, this.options.timeZone);
  }

  /** Posts the due report if it has not been posted. Never throws; checks never overlap. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce()
      .catch((err: unknown) => this.logger.error({ err: errorDetail(err) }, 'daily report check failed'))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    const due = this.dueDate();
    const last = await this.options.store.get<string>(LAST_POSTED_KEY);
    if (last === undefined) {
      // First start ever: there is no day to report on yet, so the first report is the next one due.
      await this.options.store.set(LAST_POSTED_KEY, due);
      return;
    }
    if (last >= due) return;
    await this.post(due);
    // Written after posting: a crash in between repeats a report rather than losing it.
    await this.options.store.set(LAST_POSTED_KEY, due);
  }

  /** Builds and posts the report of a local date (also for a chat command); returns what was posted. */
  async post(date: string, targets: readonly Target[] = this.options.targets): Promise<DailyReport> {
    const report = await this.build(date);
    const { renderChart } = this.options;
    const message: OpsMessage = { lines: reportLines(report) };
    if (this.options.chart !== false && renderChart && report.minutesRecorded > 0) {
      // The chart's labels are in each channel's language: drawn once per language asked.
      const charts = new Map<string, Promise<OpsFile[]>>();
      message.localizedFiles = (say, language) => {
        let chart = charts.get(language);
        if (!chart) {
          chart = renderChart(report, say).then(
            (bytes) => [{ name: `tributary-${date}.png`, bytes, contentType: 'image/png' }],
            (err: unknown) => {
              // The numbers matter more than the picture: post the text without it.
              this.logger.warn({ err: errorDetail(err), date }, 'report chart not rendered');
              return [];
            },
          );
          charts.set(language, chart);
        }
        return chart;
      };
    }
    for (const target of targets) {
      try {
        await this.options.notifier.post(target, message);
      } catch (err) {
        this.logger.warn({ err: errorDetail(err), target }, 'daily report not delivered');
      }
    }
    return report;
  }

  build(date: string): Promise<DailyReport> {
    return buildDailyReport(this.options.history, {
      date,
      timeZone: this.options.timeZone,
      successRateTarget: this.options.successRateTarget,
      recommend: this.options.recommend,
    });
  }

  async lastPostedDate(): Promise<string | undefined> {
    return this.options.store.get<string>(LAST_POSTED_KEY);
  }
}
