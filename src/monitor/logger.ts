/**
 * The slice of a pino logger the monitor uses. Structural, so a pino Logger fits and a test can pass
 * a stub; the monitor never imports pino itself.
 */
export interface MonitorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: MonitorLogger = {
  info() {},
  warn() {},
  error() {},
};

/** An error for a log line: name and message only, no stack of someone else's secrets-bearing objects. */
export function errorDetail(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'NonError', message: String(err) };
}
