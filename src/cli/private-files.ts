import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The data directory holds the ledger, the audit log (who ran what, wallet links), the log file and
 * exported CSVs: none of it is for other users of the machine. Everything in it is created 0600 and
 * its folders 0700.
 *
 * How: a process umask of 077, set by the CLI before anything is opened. The SQLite file is created
 * by src/store/open.ts, the log file by pino, exports by the chat; SQLite also creates and deletes
 * its -wal and -shm files while it runs. A chmod after opening would have to know every one of those
 * files and would leave each readable for the moment between its creation and the chmod; the umask
 * covers them all from the first byte, including files added later. It is process-wide, which is
 * what a server process that creates only private files wants; a library embedding the app sets its
 * own.
 */
export function createFilesPrivately(): void {
  if (process.platform === 'win32') return;
  process.umask(0o077);
}

/**
 * Creates the data directory 0700, and takes group and other access away from one that exists
 * (made by an earlier version, or by `mkdir` with the default umask), so files written before this
 * version are covered too. Returns a warning when that cannot be done (a directory owned by another
 * user, a read-only mount); starting is still the store's call.
 */
export function protectDataDir(dataDir: string): string | null {
  if (process.platform === 'win32') return null;
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(dir, mode & 0o700);
    return null;
  } catch (e) {
    return `data directory ${dir} could not be made private (${(e as NodeJS.ErrnoException).code ?? 'error'}); make it readable by this user only: chmod 700 ${dir}`;
  }
}
