import type Keyv from 'keyv';
import { EngineEventBus } from '../../src/engine/events.js';
import { monitorConfigSchema } from '../../src/monitor/config.js';
import { MetricHistory } from '../../src/monitor/history.js';
import { HistoryRecorder } from '../../src/monitor/recorder.js';
import { RpcEventBus } from '../../src/solana/rpc-events.js';

/** The monitor's settings as the config schema defaults them (an empty config): tests take them from here and repeat no number. */
export const MONITOR = monitorConfigSchema.parse({});

/** The parts' options from those settings, as src/monitor/monitor.ts passes them. */
export const historyOptions = { retentionDays: MONITOR.history.retentionDays, flushIntervalMs: MONITOR.history.flushIntervalMs };
export const alertTimings = { evaluationIntervalMs: MONITOR.evaluationIntervalMs, reminderIntervalMs: MONITOR.reminderIntervalMs };
export const reportSettings = { successRateTarget: MONITOR.report.successRateTarget, recommend: MONITOR.report.recommend };
export const schedulerSettings = { ...reportSettings, checkIntervalMs: MONITOR.report.checkIntervalMs };
export const chartSettings = { latencyTargetMs: MONITOR.report.recommend.latencyP95Ms };
export const metricsSettings = MONITOR.metrics;

/** A minute history on `store`, fed by a recorder bound to fresh engine and RPC buses, on the test's clock. */
export async function recordingHistory(store: Keyv, now: () => number) {
  const history = new MetricHistory(store, { ...historyOptions, now });
  await history.start();
  const recorder = new HistoryRecorder(history, { now, sampleProcess: false });
  await recorder.start();
  const engine = new EngineEventBus();
  const rpc = new RpcEventBus();
  recorder.bindEngine(engine);
  recorder.bindRpc(rpc);
  return { history, recorder, engine, rpc };
}
