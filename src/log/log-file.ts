/**
 * The log file of the console chat (the terminal is the chat there, so logs go to a file in the
 * data directory). Two ways a log file used to take the process down, both fixed here:
 *  - opened asynchronously, a file that cannot be created (a read-only data directory) made pino's
 *    exit handler throw "sonic boom is not ready yet" over the real error: the file is opened and
 *    awaited here first, and a failure is one clear error;
 *  - a write that fails (ENOSPC on a full disk) was an 'error' event nobody heard, which ends the
 *    process: it is heard here, told once per kind of failure, and logging goes on when it can.
 */
import { once } from 'node:events';
import { pino, type DestinationStream } from 'pino';

export interface LogFileOptions {
  /** Told the first time writing fails, and again when the reason changes. */
  onWriteError(message: string): void;
}

export async function openLogFile(path: string, opts: LogFileOptions): Promise<DestinationStream> {
  const destination = pino.destination({ dest: path, sync: false, mkdir: true });
  const opened = once(destination, 'ready');
  const failed = once(destination, 'error').then(([err]: unknown[]) => {
    throw new Error(
      `cannot write the log file ${path} (${describeFsError(err)}): the data directory must be writable by this user; fix its permissions or set TRIBUTARY_DATA_DIR (dataDir)`,
      { cause: err },
    );
  });
  await Promise.race([opened, failed]);
  failed.catch(() => undefined);
  let told: string | null = null;
  destination.on('error', (err: unknown) => {
    const reason = describeFsError(err);
    if (reason === told) return;
    told = reason;
    opts.onWriteError(`the log file ${path} cannot be written (${reason}); log lines are lost until it can`);
  });
  return destination;
}

/** `ENOSPC: the disk is full`, `EACCES: permission denied`, … */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const hint: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    ENOENT: 'no such directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  if (typeof code === 'string') return hint[code] ? `${code}: ${hint[code]}` : code;
  return err instanceof Error ? err.message : String(err);
}
