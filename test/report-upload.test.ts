import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { reportAttachment } from '../src/chat/report-upload.js';
import { translator } from '../src/i18n/index.js';

/** A report file of `bytes`, as the engine writes one. */
function reportOf(text: Buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-upload-'));
  const path = join(dir, 'd1.csv');
  writeFileSync(path, text);
  return { path, bytes: statSync(path).size, rows: 0 };
}

describe('a report attached to a chat message', () => {
  const en = translator('en');

  it('goes as the CSV file itself when the platform takes its size', async () => {
    const report = reportOf(Buffer.from('recipient,amount\r\nA,1\r\n'));
    expect(await reportAttachment(report, 'tributary-d1.csv', 'discord', { id: 'd1' })).toEqual({
      file: { name: 'tributary-d1.csv', path: report.path, contentType: 'text/csv' },
      note: null,
    });
  });

  it('goes gzipped when only that fits under the platform limit (11 MB of CSV on Discord)', async () => {
    const line = 'So11111111111111111111111111111111111111112,1.5,SOL,paid,5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW,\r\n';
    const text = Buffer.from(line.repeat(Math.ceil(11_000_000 / line.length)));
    const report = reportOf(text);
    const { file, note } = await reportAttachment(report, 'tributary-d1.csv', 'discord', { id: 'd1' });
    expect(note).toBeNull();
    expect(file).toMatchObject({ name: 'tributary-d1.csv.gz', path: `${report.path}.gz` });
    expect(gunzipSync(readFileSync(`${report.path}.gz`)).equals(text)).toBe(true);
    // Telegram takes the CSV itself.
    expect((await reportAttachment(report, 'tributary-d1.csv', 'telegram', { id: 'd1' })).file?.name).toBe('tributary-d1.csv');
  });

  it('stays on the machine when even gzipped it is too big, and the message says how big and where it is', async () => {
    const report = reportOf(randomBytes(11_000_000));
    const { file, note } = await reportAttachment(report, 'tributary-d1.csv', 'discord', { id: 'd1' });
    expect(file).toBeNull();
    const said = en.say(note as NonNullable<typeof note>);
    expect(said).toContain('11.0 MB');
    expect(said).toContain('Discord');
    expect(said).toContain('10.5 MB');
    expect(said).toContain(report.path);
    // The console has no limit.
    expect((await reportAttachment(report, 'tributary-d1.csv', 'console', { id: 'd1' })).file?.path).toBe(report.path);
  });

  it('says why there is none when the engine could not write it', async () => {
    const { file, note } = await reportAttachment(null, 'tributary-d1.csv', 'telegram', { id: 'd1', error: 'ENOSPC: no space left on device' });
    expect(file).toBeNull();
    expect(en.say(note as NonNullable<typeof note>)).toMatch(/ENOSPC.*\/distribute export id:d1/);
  });
});
