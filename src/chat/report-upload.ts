/**
 * A distribution's CSV report as a chat platform can take it. The engine writes the report to a
 * file (src/engine/report.ts) and it is attached from there, never read into a message whole.
 * Platforms take files up to a size (docs/platform-limits.md): a bigger report is attached
 * gzipped when that fits, and otherwise stays on the bot's machine, the message saying where.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ReportFile } from '../engine/events.js';
import { msg, type Message } from '../i18n/index.js';
import type { ReplyFile } from './types.js';

/** The largest file a bot may attach, by platform (docs/platform-limits.md); none for the console. */
const UPLOAD_LIMIT_BYTES: Readonly<Record<string, number>> = {
  discord: 10 * 1024 * 1024,
  telegram: 50 * 1000 * 1000,
};

const PLATFORM_NAMES: Readonly<Record<string, string>> = { discord: 'Discord', telegram: 'Telegram' };

export function uploadLimit(platform: string | undefined): number {
  return (platform === undefined ? undefined : UPLOAD_LIMIT_BYTES[platform]) ?? Number.POSITIVE_INFINITY;
}

export interface ReportAttachment {
  /** The CSV, or its gzip; null when neither can go. */
  file: ReplyFile | null;
  /** Why nothing is attached, to show under the text; null when the file goes. */
  note: Message | null;
}

/**
 * What to attach of `report` (named `name`) on `platform`. `report` is null when the engine could
 * not write it; `error` says why.
 */
export async function reportAttachment(report: ReportFile | null, name: string, platform: string | undefined, context: { id: string; error?: string }): Promise<ReportAttachment> {
  if (!report) return { file: null, note: msg('summary.reportMissing', { id: context.id, error: context.error ?? '' }) };
  const limit = uploadLimit(platform);
  if (report.bytes <= limit) return { file: { name, path: report.path, contentType: 'text/csv' }, note: null };
  const packed = await gzipped(report.path).catch(() => null);
  if (packed && packed.bytes <= limit) return { file: { name: `${name}.gz`, path: packed.path, contentType: 'application/gzip' }, note: null };
  return {
    file: null,
    note: msg('summary.reportTooBig', {
      size: megabytes(report.bytes),
      limit: megabytes(limit),
      platform: (platform && PLATFORM_NAMES[platform]) ?? platform ?? '',
      path: report.path,
    }),
  };
}

/** `path` gzipped beside it (`<path>.gz`), made once per version of the file and renamed into place whole. */
async function gzipped(path: string): Promise<{ path: string; bytes: number }> {
  const target = `${path}.gz`;
  const [source, existing] = await Promise.all([stat(path), stat(target).catch(() => null)]);
  // ctime, not mtime: a report renamed into place after this gzip was made is a newer one.
  if (existing && existing.mtimeMs >= source.ctimeMs) return { path: target, bytes: existing.size };
  const temporary = `${target}.${process.pid}-${Date.now().toString(36)}.tmp`;
  try {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(temporary));
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return { path: target, bytes: (await stat(target)).size };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
