/**
 * Showing what someone typed back to them. An echo is cut to a few dozen characters (a pasted 300 KB
 * line must not come back as a 300 KB reply) and characters that cannot be seen are written as
 * escapes, so `amount:1\u200b0` reads as the problem it is instead of as `amount:10`.
 */

import { msg, type Message } from '../i18n/index.js';
import { looksLikeKeyMaterial } from '../log/key-material.js';

/** Characters that print as nothing or move text around: format characters (zero-width space, joiners, BOM, bidi controls), controls, variation selectors, Hangul fillers. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: variation selectors (U+FE00-FE0F) are listed on their own, to be shown escaped
const INVISIBLE = /[\p{Cf}\p{Cc}\u115F\u1160\u3164\uFFA0\uFE00-\uFE0F]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** Default longest echo, in characters before escaping. */
export const ECHO_MAX = 40;

/** `\u200b` for U+200B. */
export function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** What an echo says instead of text shaped like a private key: not even its first characters are shown. The same in every language: it stands where the text would. */
export const NOT_SHOWN = '(not shown: it looks like a private key)';

/**
 * The text as it may be shown back: invisible characters escaped, cut to `max` characters with an
 * ellipsis; a pasted private key (key-material.ts's shapes, invisible characters ignored) not at all.
 */
export function echo(text: string, max = ECHO_MAX): string {
  if (looksLikeKeyMaterial(text.replace(INVISIBLE_ALL, ''))) return NOT_SHOWN;
  const chars = Array.from(text);
  const shown = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
  return shown.replace(INVISIBLE_ALL, escapeChar);
}

/** The first invisible character in the text and where, or null. Tabs and line ends are whitespace, not invisible. */
export function findInvisible(text: string): { char: string; index: number } | null {
  const match = INVISIBLE.exec(text.replace(/[\t\n\r]/g, ' '));
  return match ? { char: match[0], index: match.index } : null;
}

/** `what` "contains an invisible character (\u200b); type it again without it": a refusal. */
export function invisibleProblem(what: string, char: string): Message {
  return msg('err.invisible', { what, char: escapeChar(char) });
}
