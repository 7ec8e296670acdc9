import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * The one CSV writer: RFC 4180, a header line then one line per row, CRLF line ends (what
 * spreadsheet programs expect); a field with a comma, a quote or a line break is quoted.
 */

/** Characters a chunk of the file is built up to before it is handed on. */
export const CSV_CHUNK_CHARS = 64 * 1024;

/**
 * The lines of the file in chunks of about `chunkChars` (a chunk ends at the first line end past
 * it): a report of a million rows is ~100 MB of text, which is never held whole.
 */
export function* csvChunks(header: readonly string[], rows: Iterable<readonly string[]>, chunkChars = CSV_CHUNK_CHARS): Generator<string> {
  let chunk = csvLine(header);
  for (const row of rows) {
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
    chunk += csvLine(row);
  }
  yield chunk;
}

/** The whole text, for small tables (a holder list shown in a reply). */
export function csvText(header: readonly string[], rows: Iterable<readonly string[]>): string {
  let text = '';
  for (const chunk of csvChunks(header, rows)) text += chunk;
  return text;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * Writes the table to `path` chunk by chunk, each written when the file has taken the one before
 * (backpressure), so memory holds one chunk at a time. It is written under a temporary name and
 * renamed into place: a reader finds the previous file or the whole new one, never half of one.
 */
export async function writeCsvFile(path: string, header: readonly string[], rows: Iterable<readonly string[]>): Promise<{ bytes: number; rows: number }> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let bytes = 0;
  let count = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    const counting = (function* () {
      for (const row of rows) {
        count++;
        yield row;
      }
    })();
    for (const chunk of csvChunks(header, counting)) {
      const buffer = Buffer.from(chunk, 'utf8');
      bytes += buffer.length;
      yield buffer;
    }
  }
  try {
    await pipeline(counted(), createWriteStream(temporary));
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return { bytes, rows: count };
}
