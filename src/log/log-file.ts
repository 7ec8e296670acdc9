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
import { msg, say, type Message } from '../i18n/index.js';

export interface LogFileOptions {
  /** Told the first time writing fails, and again when the reason changes: a Message for the console to word. */
  onWriteError(message: Message): void;
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
    opts.onWriteError(msg('logFile.unwritable', { path, reason: fsErrorMessage(err) }));
  });
  return destination;
}

const FS_ERRORS = ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR'] as const;

/** `ENOSPC: the disk is full`, `EACCES: permission denied`, … as a Message (catalogue `fsError`). */
export function fsErrorMessage(err: unknown): Message {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string')
    return (FS_ERRORS as readonly string[]).includes(code) ? msg(`fsError.${code as (typeof FS_ERRORS)[number]}`) : msg('fsError.other', { text: code });
  return msg('fsError.other', { text: err instanceof Error ? err.message : String(err) });
}

/** The same in English, for errors that end the start (printed by the CLI) and the log. */
export function describeFsError(err: unknown): string {
  return say('en', fsErrorMessage(err));
}
