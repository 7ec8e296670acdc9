/**
 * The data directory holds the store, the log and the exports: a directory that cannot be written
 * (read-only, another user's, a full disk) is refused at start with one sentence that says which
 * directory, why, and what to do, before anything half-starts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFsError } from '../log/log-file.js';

export function assertWritableDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    throw new Error(
      `the data directory ${dir} is not writable (${describeFsError(err)}): Tributary keeps its store, log and exports there; make it writable by this user, or set TRIBUTARY_DATA_DIR (dataDir) to a directory that is`,
      { cause: err },
    );
  }
}
