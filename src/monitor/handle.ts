import type { Monitor } from './monitor.js';
import type { OpsNotifier } from './notifier.js';

/** Monitoring as the chat platforms and commands see it once started (src/app/monitoring.ts starts it). */
export interface MonitoringHandle {
  monitor: Monitor;
  /** Adapters register their ops notifier once connected; alerts fan out to all of them. */
  addNotifier(name: string, notifier: OpsNotifier): void;
  /** Adapters report whether they are connected, for /healthz. */
  addHealthCheck(name: string, check: () => Promise<{ ok: boolean; detail?: string }>): void;
}
