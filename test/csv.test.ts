import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_CHUNK_CHARS, csvChunks, csvText, writeCsvFile } from '../src/engine/csv.js';
import { successRate } from '../src/engine/events.js';

describe('one CSV writer', () => {
  it('writes a header and rows with CRLF line ends, quoting a field with a comma, a quote or a line break', () => {
    expect(
      csvText(
        ['owner', 'note'],
        [
          ['a', 'plain'],
          ['b', 'x, "y"\nz'],
        ],
      ),
    ).toBe('owner,note\r\na,plain\r\nb,"x, ""y""\nz"\r\n');
    expect(csvText(['only'], [])).toBe('only\r\n');
  });

  const ROWS = 200_000;
  const row = (i: number) => [`owner${i}`, String(i * 3), i % 7 === 0 ? 'failed, "why"' : ''];

  it('makes a big table in chunks of bounded size, each as its rows are asked for, never the whole text', () => {
    let pulled = 0;
    const rows = (function* () {
      for (let i = 0; i < ROWS; i++) {
        pulled++;
        yield row(i);
      }
    })();
    const longestLine = 64;
    let chunks = 0;
    let chars = 0;
    for (const chunk of csvChunks(['owner', 'amount', 'error'], rows)) {
      expect(chunk.length).toBeLessThanOrEqual(CSV_CHUNK_CHARS + longestLine);
      // A chunk is made from the rows asked for so far, not from all of them.
      if (chunks === 0) expect(pulled).toBeLessThan(ROWS / 10);
      chunks++;
      chars += chunk.length;
    }
    expect(pulled).toBe(ROWS);
    expect(chunks).toBeGreaterThan(50);
    expect(chars).toBe(
      csvText(
        ['owner', 'amount', 'error'],
        Array.from({ length: ROWS }, (_, i) => row(i)),
      ).length,
    );
  });

  it('writes a big table to its file as it goes, under a temporary name renamed into place at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-csv-'));
    const path = join(dir, 'report.csv');
    let midway: { temporaryBytes: number; finalExists: boolean } | null = null;
    const rows = (function* () {
      for (let i = 0; i < ROWS; i++) {
        if (i === ROWS - 1_000) {
          const temporary = readdirSync(dir).find((f) => f.endsWith('.tmp'));
          midway = { temporaryBytes: temporary ? statSync(join(dir, temporary)).size : 0, finalExists: existsSync(path) };
        }
        yield row(i);
      }
    })();
    const written = await writeCsvFile(path, ['owner', 'amount', 'error'], rows);
    // Most of it was on disk before the last rows were made, and only under the temporary name.
    expect(midway).toMatchObject({ finalExists: false });
    expect((midway as unknown as { temporaryBytes: number }).temporaryBytes).toBeGreaterThan(written.bytes / 2);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(
      csvText(
        ['owner', 'amount', 'error'],
        Array.from({ length: ROWS }, (_, i) => row(i)),
      ),
    );
    expect(written).toEqual({ rows: ROWS, bytes: statSync(path).size });
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });

  it('keeps the file it had when writing a new one fails, and leaves nothing half written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-csv-'));
    const path = join(dir, 'report.csv');
    writeFileSync(path, 'before\r\n');
    const failing = (function* () {
      for (let i = 0; i < 50_000; i++) {
        if (i === 40_000) throw new Error('the ledger read failed');
        yield row(i);
      }
    })();
    await expect(writeCsvFile(path, ['owner', 'amount', 'error'], failing)).rejects.toThrow('the ledger read failed');
    expect(readFileSync(path, 'utf8')).toBe('before\r\n');
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });
});

describe('one success-rate formula', () => {
  it('is paid over settled recipients, and nothing when none is settled', () => {
    expect(successRate(19, 1)).toBe(0.95);
    expect(successRate(0, 3)).toBe(0);
    expect(successRate(0, 0)).toBeNull();
  });
});
