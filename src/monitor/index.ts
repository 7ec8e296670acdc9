export { startMonitor, type Monitor, type StartMonitorOptions } from './monitor.js';
export type { MonitoringHandle } from './handle.js';
export { monitorConfigSchema, DEFAULT_ALERT_RULES, type MonitorConfig, type MonitorConfigInput, type AlertRule, type Severity, type Target } from './config.js';
export { fanOutNotifier, type OpsNotifier, type OpsMessage, type OpsFile, type OpsTarget, type FanOutOptions } from './notifier.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export { MetricHistory, type HistoryOptions } from './history.js';
export { HistoryRecorder, type RecorderOptions } from './recorder.js';
export { AlertManager, type ActiveAlert, type AlertManagerOptions } from './alerts.js';
export { buildDailyReport, reportLines, type DailyReport, type Recommendation } from './report.js';
export { ReportScheduler, type ReportSchedulerOptions } from './report-scheduler.js';
// chart.js is not re-exported: it loads pureimage (fonts, PNG encoder), which only a report needs;
// monitor.ts and commands/report.ts import it when they draw one.
export type { ChartOptions } from './chart.js';
export { startMonitorHttp, type MonitorHttp, type MonitorHttpOptions, type HealthReport, type HealthCheck } from './http.js';
export { ALERT_METRICS, type AlertMetric } from './alert-metrics.js';
export type { MonitorLogger } from './logger.js';
