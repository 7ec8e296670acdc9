/**
 * The console chat of `npm start`: the same commands as Discord and Telegram, typed in a terminal
 * or piped in as a script. In a terminal it shows a prompt; otherwise it reads line by line, echoes
 * each command, prints its reply, and resolves at the end of input once the distributions those
 * commands started have finished and their summaries are printed.
 */
import { localeOf, t, terminalLanguage } from '../../i18n/index.js';
import { createInterface } from 'node:readline';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ChatServices } from '../../chat/services.js';
import { ProgressHub } from '../../chat/progress.js';
import { resolveRole } from '../../chat/roles.js';
import { echo } from '../../chat/echo.js';
import { chatRuntime, type CallerSource, type DispatchResult } from '../../chat/runtime.js';
import type { Role } from '../../chat/types.js';
import { ConsoleProgress, ConsoleWriter } from './output.js';

export interface ConsoleIdentity {
  platform?: 'console';
  /** Default: the operating-system user name. */
  userId?: string;
  /** Default: the user id. */
  name?: string;
  /** Default: config.roles.console. */
  role?: Role;
  /** A POSIX locale such as ja_JP.UTF-8. Default: LC_ALL, LC_MESSAGES or LANG, the first set. */
  language?: string;
}

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  identity?: ConsoleIdentity;
  /** Where files (CSV reports, config) are written. Default `<dataDir>/exports`. */
  exportsDir?: string;
}

const CHAT = { platform: 'console', id: 'console' } as const;
/** Longest command echoed in a script's transcript; a preview line with three addresses fits. */
const TRANSCRIPT_MAX = 400;

export async function runConsole(app: ChatServices, opts: ConsoleOptions): Promise<void> {
  const logger = app.logger.child({ component: 'console' });
  const runtime = await chatRuntime(app);
  const interactive = Boolean((opts.input as { isTTY?: boolean }).isTTY && (opts.output as { isTTY?: boolean }).isTTY);
  const out = new ConsoleWriter(opts.output, opts.exportsDir ?? join(resolve(app.config.dataDir), 'exports'));
  const hub = new ProgressHub(app, logger, { platform: 'console', open: (place) => new ConsoleProgress(out, place.locale ?? app.config.language) });
  const userId = opts.identity?.userId ?? safeUserName();
  const source: CallerSource = {
    actor: { platform: 'console', userId, name: opts.identity?.name ?? userId },
    chat: { ...CHAT },
    locale: opts.identity?.language ?? terminalLanguage(),
    role: () => resolveRole(app.config, { platform: 'console', ...(opts.identity?.role ? { role: opts.identity.role } : {}) }),
  };

  // Distributions resumed at start (or ended meanwhile) whose summary the console never showed.
  // Before the input is read: readline drops lines that arrive before its iterator is asked.
  const follows: Promise<void>[] = await hub.resumeFollowing();
  const rl = createInterface({ input: opts.input, ...(interactive ? { output: opts.output, terminal: true } : { terminal: false }), crlfDelay: Infinity });
  const prompt = () => {
    if (interactive) rl.prompt();
  };
  // In a terminal readline takes Ctrl-C itself (raw mode), and without a listener it would only
  // pause. It ends the input instead; once the terminal is released, a second Ctrl-C reaches the
  // process, whose handler stops running distributions gracefully.
  rl.on('SIGINT', () => {
    if (app.engine.service.activeIds().length > 0) out.line(`\n${t(localeOf(source.locale) ?? app.config.language, 'reply.waitingForRuns')}`);
    rl.close();
  });
  rl.setPrompt('tributary> ');
  prompt();
  try {
    for await (const line of rl) {
      const text = line.trim();
      if (interactive && (text === 'exit' || text === 'quit')) break;
      // A script's output reads like a transcript: each command, then its reply.
      // Cut and escaped like any echo: a pasted 300 KB line is not printed back whole.
      if (!interactive && text !== '' && !text.startsWith('#')) out.line(`> ${echo(text, TRANSCRIPT_MAX)}`);
      const result = await runtime.runText(text, source);
      if (result) await show(result);
      prompt();
    }
  } finally {
    rl.close();
  }
  // End of input: the work those commands started finishes first.
  await app.engine.service.whenIdle();
  // A distribution that paused (funds ran out, an operator paused it) has no summary to wait for.
  hub.settle();
  await Promise.all(follows);
  // And distributions this process took over meanwhile, joined when their events came.
  await hub.idle();
  hub.stop();

  async function show(result: DispatchResult): Promise<void> {
    const { reply } = result;
    out.line(reply.text);
    // No buttons here: print the commands they stand for, unless the text already shows them.
    for (const b of reply.buttons ?? []) if (!reply.text.includes(b.command)) out.line(`  ${b.label}: ${b.command}`);
    for (const f of reply.files ?? []) await out.file(f, result.locale);
    if (reply.followProgress) {
      const id = reply.followProgress;
      const place = { platform: 'console', target: CHAT.id, userId: source.actor.userId, ...(result.locale ? { locale: result.locale } : {}) };
      follows.push(hub.followAt(id, place).catch((err: unknown) => logger.warn({ err, distributionId: id }, 'console: progress not followed')));
    }
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'console';
  }
}
