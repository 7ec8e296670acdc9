import { existsSync } from 'node:fs';
import { DEFAULT_LOCALE, t, type Locale } from '../../i18n/index.js';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { extname, join, basename } from 'node:path';
import type { Writable } from 'node:stream';
import type { ProgressSurface } from '../../chat/progress.js';
import type { ReplyFile } from '../../chat/types.js';

/** Lines and files for the terminal: files land under the exports folder and their path is printed. */
export class ConsoleWriter {
  constructor(
    private readonly output: Writable,
    private readonly exportsDir: string,
  ) {}

  line(text: string): void {
    // A closed pipe (the reader quit) must not crash the bot: the work goes on.
    try {
      this.output.write(text.endsWith('\n') ? text : `${text}\n`);
    } catch {
      /* nothing to tell: the reader is gone */
    }
  }

  async file(file: ReplyFile, locale: Locale = DEFAULT_LOCALE): Promise<string> {
    await mkdir(this.exportsDir, { recursive: true });
    const path = freePath(this.exportsDir, basename(file.name));
    if (file.path !== undefined) await copyFile(file.path, path);
    else await writeFile(path, file.bytes);
    this.line(t(locale, 'reply.saved', { file: file.name, path }));
    return path;
  }
}

/** name.csv, name-2.csv, ...: an export never overwrites an earlier one. */
function freePath(dir: string, name: string): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let path = join(dir, name);
  for (let n = 2; existsSync(path); n++) path = join(dir, `${stem}-${n}${ext}`);
  return path;
}

/** A terminal cannot edit a line it printed; each update is one line, the summary a block. */
export class ConsoleProgress implements ProgressSurface {
  constructor(
    private readonly out: ConsoleWriter,
    private readonly locale: Locale = DEFAULT_LOCALE,
  ) {}

  async update(text: string): Promise<void> {
    this.out.line(text.split('\n').join(' | '));
  }

  async finish(text: string, files: ReplyFile[]): Promise<void> {
    this.out.line(text);
    for (const f of files) await this.out.file(f, this.locale);
  }
}
