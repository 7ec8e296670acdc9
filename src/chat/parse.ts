/**
 * The text syntax typed on Telegram and the console, the same words as Discord's slash commands:
 *
 *   /distribute preview token:<mint> amount:1000 reward:SOL mode:proportional min:10 exclude:<a>,<b>
 *
 * Words before the options name the command; `name:value` pairs are options; a value with spaces is
 * quoted (`memo:"two words"` or `"memo:two words"`); a bare value after the command words is
 * positional (`/distribute status ab12cd34`: options.ts gives it to the first option). This file only
 * splits text: which names exist and what values mean is the dispatcher's and options.ts's business.
 * Backticks and invisible characters are refused here, each with a message that shows them.
 */
import { msg } from '../i18n/index.js';
import { echo, findInvisible, invisibleProblem } from './echo.js';
import { CommandError } from './errors.js';

export interface ParsedText {
  /** Command words, e.g. ["distribute", "preview"], then positional values; all as typed. */
  words: string[];
  /**
   * Options in the order typed; names lowercased. A null-prototype object: `__proto__:x` and
   * `constructor:x` are option names like any other (and unknown to every command), never the
   * object's own machinery.
   */
  named: Record<string, string>;
}

/**
 * `name:value`: whatever comes before the first colon is the name, so a name no command takes
 * (`__proto__`, one of 33 characters, a typo) is reported as an unknown option rather than read as a
 * stray value. A value can therefore not contain a colon when it is given positionally, which no
 * address, amount or id does.
 */
const OPTION = /^([^\s:]+):/;

/**
 * Splits a line; null when it is not a command for this bot: empty, a comment (`#`), or
 * `/cmd@otherbot` in a Telegram group. A leading slash is optional (the console accepts `help`).
 */
export function parseCommandText(line: string, botUsername?: string): ParsedText | null {
  // trim() also drops a byte order mark at the start, as a file piped into the console has.
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  refuseInvisible(trimmed);
  const tokens = tokenize(trimmed);
  const first = tokens[0];
  if (first === undefined) return null;
  let head = first.replace(/^\//, '');
  const at = head.indexOf('@');
  if (at >= 0) {
    const addressee = head.slice(at + 1);
    if (botUsername !== undefined && addressee.toLowerCase() !== botUsername.toLowerCase()) return null;
    head = head.slice(0, at);
  }
  const words: string[] = [];
  const named = Object.create(null) as Record<string, string>;
  for (const token of [head, ...tokens.slice(1)]) {
    if (token.includes('`')) {
      throw new CommandError('BAD_SYNTAX', msg('err.backticks', { text: echo(token) }));
    }
    // `"memo:two words"` is an option like `memo:"two words"`: people quote either way.
    const option = OPTION.exec(token);
    if (option) {
      const name = (option[1] as string).toLowerCase();
      if (Object.hasOwn(named, name)) throw new CommandError('BAD_SYNTAX', msg('err.givenTwice', { name: echo(name) }));
      named[name] = token.slice(option[0].length);
      continue;
    }
    words.push(token);
  }
  return { words, named };
}

/**
 * A zero-width space, a joiner or a byte order mark inside a line would otherwise split a word
 * silently (a BOM is whitespace to JavaScript) or stay inside a value where nobody can see it
 * (`amount:1\u200b0`); the word that holds it is named with the character escaped.
 */
function refuseInvisible(line: string): void {
  const found = findInvisible(line);
  if (found === null) return;
  const start = line.lastIndexOf(' ', found.index) + 1;
  const end = line.indexOf(' ', found.index + 1);
  const word = line.slice(start, end === -1 ? undefined : end);
  throw new CommandError('BAD_SYNTAX', invisibleProblem(`"${echo(word)}"`, found.char));
}

/** Shell-like splitting: whitespace separates, single or double quotes group, backslash escapes a quote. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) {
        current = (current ?? '') + (text[i + 1] as string);
        i++;
      } else if (ch === quote || (quote === '"' && ch === '”')) {
        quote = null;
      } else {
        current = (current ?? '') + ch;
      }
    } else if (ch === '"' || ch === "'" || ch === '“' || ch === '”') {
      // Phones turn typed quotes into curly ones; treat them as plain double quotes.
      quote = ch === "'" ? "'" : '"';
      // `name:""` is an empty value, still a token.
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== null) tokens.push(current);
      current = null;
    } else {
      current = (current ?? '') + ch;
    }
  }
  if (quote) throw new CommandError('BAD_SYNTAX', msg('err.quoteOpen'));
  if (current !== null) tokens.push(current);
  return tokens;
}

/** A resolved command name and what is left of the words (positional values). */
export interface ResolvedName {
  name: string;
  positional: string[];
}

/**
 * Finds the command the words name: the longest known prefix, so `distribute preview` wins over a
 * (hypothetical) `distribute`. Telegram's command menu allows no spaces, so `distribute_preview`
 * is read as `distribute preview`.
 */
export function resolveName(words: readonly string[], names: ReadonlySet<string>): ResolvedName {
  const first = words[0]?.toLowerCase();
  const typed = echo(words[0] ?? '');
  const expanded = first?.includes('_') && !names.has(first) ? [...first.split('_'), ...words.slice(1)] : [...words];
  for (let n = Math.min(3, expanded.length); n >= 1; n--) {
    const candidate = expanded.slice(0, n).join(' ').toLowerCase();
    if (names.has(candidate)) return { name: candidate, positional: expanded.slice(n) };
  }
  const head = expanded[0]?.toLowerCase() ?? '';
  const subcommands = [...names].filter((name) => name.startsWith(`${head} `)).map((name) => name.slice(head.length + 1));
  if (subcommands.length > 0) {
    const list = subcommands.map((s) => `/${head} ${s}`).join(', ');
    throw new CommandError('UNKNOWN_COMMAND', expanded[1] ? msg('err.noSubcommand', { head, word: echo(expanded[1]), list }) : msg('err.oneMoreWord', { head, list }));
  }
  // The word as typed (not as split at underscores), cut: a 300 KB line is not echoed whole.
  throw new CommandError('UNKNOWN_COMMAND', msg('err.unknownCommand', { name: typed || '(nothing)' }));
}
