/**
 * Checks of formatted text the way the Bot API rejects it, because a reward
 * bot prints amounts, addresses and names: an unescaped `<`, `&` (HTML) or `.`
 * (MarkdownV2) makes Telegram refuse the whole message with "can't parse
 * entities". The checks cover the common mistakes, not every entity rule.
 */

export class EntityParseError extends Error {}

const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji', 'tg-time']);
const HTML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Text as users see it: tags removed and entities decoded for HTML; other modes are returned as sent. */
export function renderText(text: string, parseMode: string | undefined): string {
  const mode = parseMode?.toLowerCase();
  if (mode === 'html') return renderHtml(text);
  if (mode === 'markdownv2') checkMarkdownV2(text);
  return text;
}

function renderHtml(text: string): string {
  const open: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (char === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) throw new EntityParseError(`Unsupported start tag at byte offset ${i}`);
      const tag = text.slice(i + 1, end).trim();
      const closing = tag.startsWith('/');
      const name = (closing ? tag.slice(1) : tag).split(/\s/)[0]?.toLowerCase() ?? '';
      if (!HTML_TAGS.has(name)) throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${i}`);
      if (closing) {
        if (open.pop() !== name) throw new EntityParseError(`Unexpected end tag at byte offset ${i}`);
      } else {
        open.push(name);
      }
      i = end + 1;
    } else if (char === '&') {
      const match = /^&(#\d+|#x[0-9a-f]+|[a-z]+);/i.exec(text.slice(i));
      const entity = match?.[1];
      if (entity === undefined) throw new EntityParseError(`Character entity expected at byte offset ${i}`);
      if (entity.startsWith('#x')) out += String.fromCodePoint(parseInt(entity.slice(2), 16));
      else if (entity.startsWith('#')) out += String.fromCodePoint(Number(entity.slice(1)));
      else if (HTML_ENTITIES[entity.toLowerCase()] !== undefined) out += HTML_ENTITIES[entity.toLowerCase()];
      else throw new EntityParseError(`Unsupported HTML entity at byte offset ${i}`);
      i += (match?.[0] ?? '').length;
    } else {
      out += char;
      i += 1;
    }
  }
  if (open.length > 0) throw new EntityParseError(`Can't find end tag corresponding to start tag "${open[open.length - 1] ?? ''}"`);
  return out;
}

// Reserved in MarkdownV2 and never markup themselves, so an unescaped one is always an error.
const MARKDOWN_V2_ALWAYS_ESCAPED = new Set(['.', '!', '-', '=', '+', '#', '{', '}']);

function checkMarkdownV2(text: string): void {
  let inCode = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char === '\\') {
      i += 1;
    } else if (char === '`') {
      inCode = !inCode;
    } else if (!inCode && char === '(' && text[i - 1] === ']') {
      // A link's URL part: only ')' and '\\' need escaping there.
      while (i < text.length && text[i] !== ')') i += text[i] === '\\' ? 2 : 1;
    } else if (!inCode && MARKDOWN_V2_ALWAYS_ESCAPED.has(char)) {
      throw new EntityParseError(`Character '${char}' is reserved and must be escaped with the preceding '\\'`);
    }
  }
}
