/**
 * No user-visible text bypasses the catalogue. Every string and template literal in the code that
 * talks to people (commands/, src/chat/, src/platforms/, src/app/) and in the code that must only
 * speak in codes (src/engine/, src/monitor/, src/schedule/, src/solana/, src/store/, src/log/) is
 * read with the TypeScript parser. One holding a run of three English words is a sentence written
 * past the catalogue; so is a short text of one or two words that reads as words for people (a
 * capitalised word such as "Confirm", or two lowercase words such as "timed out"), which a button
 * label or a status would be. Left out before the check, as they are never words for people: type
 * positions, imports, object keys, `case` labels and comparisons (codes), SQL and Lua, and:
 *  - what is not shown to chat users: log lines, thrown Errors (bugs, shown only as an id), test names;
 *  - the texts below that are exempt for a stated reason;
 *  - the texts not yet moved into the catalogue, counted per file in REMAINING: a new sentence
 *    anywhere fails, and so does a file that has fewer than counted (lower the count when you move one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const SCANNED = ['commands', 'src/chat', 'src/platforms', 'src/app', 'src/engine', 'src/monitor', 'src/schedule', 'src/solana', 'src/store', 'src/log'];

/** Whole files whose words are not for chat users. */
const EXEMPT_FILES: Record<string, string> = {
  'src/chat/loader.ts': "a command file's problems, for the developer who wrote it (logged at start)",
  'src/monitor/metrics.ts': "Prometheus metrics' help texts",
  'src/monitor/config.ts': 'config validation, printed by `tributary config check` and at start',
  'src/monitor/http.ts': 'HTTP answers of /metrics and /healthz',
  'src/platforms/link.ts': 'connection states for the log',
  'src/engine/das.ts': 'JSON-RPC error texts of a DAS answer, logged and wrapped by the engine',
  'src/engine/program-accounts-answer.ts': "a getProgramAccounts answer's faults, thrown as Errors by program-accounts.ts (logged; a chat shows only an error id)",
  'src/log/key-material.ts': "the log's mark where a secret was left out",
  'src/log/redact.ts': "the log's marks for a value it cut",
};

/** Single texts whose words are not the catalogue's to choose. */
const EXEMPT_TEXTS: Record<string, string> = {
  'Tributary wallet link |': 'the message a wallet signs: byte for byte the same in every language',
  '(not shown: it looks like a private key)': 'stands where a pasted secret would be echoed',
  'cancelled before it was sent': "a failed recipient's reason in the ledger and the CSV report, next to the chain's error texts",
  'message is not modified': "matches the Bot API's own error text",
  'the interaction token has expired': "a Discord refusal's reason, for the log",
  'is not one the bot can post in': "a Discord refusal's reason, for the log",
  'it lapsed before it could be renewed': "a lease's end, for the log",
  'another process holds it now': "a lease's end, for the log",
  'Discord refused the bot token': 'a start-up failure, printed by the CLI',
  'the Bot API refused the token': 'a start-up failure, printed by the CLI',
  'gateway connected as': "the Discord gateway's state in /health's log detail",
  'not connected to the gateway': 'as above',
  'gateway ping': 'as above',
  "'the bot'": 'as above',
  'polling as @': "the Telegram link's state in /healthz and the log",
  "'not polling'": 'as above',
  'polling fails': 'as above',
  'a value written was not read back': "the store's check in /healthz, for operators' probes",
  'history not written': "the monitor's check in /healthz",
  'primary answered the probe': "a failover's reason, for the log and metrics",
  'no answer in the batch': 'a JSON-RPC error the gateway stands in for a missing answer; the engine logs it',
  "'namespace name'": 'names the argument in a thrown StoreError',
};

/** Texts not yet in the catalogue, per file: they are answered in English in every language. */
const REMAINING: Record<string, number> = {};

/** A run of three English words: a sentence. */
const ENGLISH = /\b[A-Za-z]{2,}[ ,;:]+(?:[A-Za-z]{2,}[ ,;:]+)+[A-Za-z]{2,}\b/;
/**
 * A short text for people: the whole literal (punctuation and marks around it aside) is one
 * capitalised word ("Confirm", "Paused"), or words with a space between them ("timed out", "View
 * Channel"). A lowercase word alone ("paused", "spl-token") or a camelCase one is a code or an
 * identifier, and a key or a comparison is never for people (see `isCode`).
 */
const SHORT = /^[^A-Za-z]*(?:[A-Z][a-z]{2,}|[A-Za-z][a-z]+(?:[ -][A-Za-z][a-z]+)*[ ]+[A-Za-z][a-z]+)[^A-Za-z]*$/;
/** Code in another language, kept in strings: SQL and Redis's Lua. */
const OTHER_LANGUAGE = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|local |redis\.call)\b/;

/** Short texts that are names, not words to translate. */
const EXEMPT_NAMES: Record<string, string> = {
  Discord: "the platform's own name",
  Telegram: "the platform's own name",
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The literal's text as a reader would see it, placeholders dropped, commands and name:value options left out. */
function words(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression): string {
  const text = ts.isTemplateExpression(node) ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ') : node.text;
  return text.replace(/\/[a-z]+(?: [a-z]+)?/g, '').replace(/\b\w+:\S*/g, '');
}

/** Where a literal is a code, never shown: a type, an import, an object key, a `case` label, a comparison, an index. */
function isCode(node: ts.Node, src: ts.SourceFile): boolean {
  const p = node.parent;
  if (ts.isLiteralTypeNode(p) || ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isCaseClause(p) || ts.isElementAccessExpression(p)) return true;
  if ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p)) && p.name === node) return true;
  // A command's or an option's name ("distribute preview"), typed the same in every language.
  if (ts.isPropertyAssignment(p) && p.name.getText(src) === 'name' && /^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)?$/.test((node as ts.StringLiteral).text ?? '')) return true;
  return ts.isBinaryExpression(p) && /^(===|!==|==|!=|in)$/.test(p.operatorToken.getText(src));
}

/**
 * Inside a log call, a thrown Error (or an Error subclass's `super(...)`), a test name, or the
 * `description` of a metric or a setting (for operators' docs and `config check`): not a chat text.
 */
function notForChat(node: ts.Node, src: ts.SourceFile): boolean {
  for (let p = node.parent, depth = 0; p && depth < 5; p = p.parent, depth++) {
    if (ts.isCallExpression(p)) {
      if (p.expression.kind === ts.SyntaxKind.SuperKeyword) return true;
      const callee = p.expression.getText(src);
      return /(^|\.)(logger|log)\.|\.(info|warn|error|debug|trace|fatal)$/.test(callee);
    }
    if (ts.isNewExpression(p)) return /Error$/.test(p.expression.getText(src));
    if (ts.isPropertyAssignment(p) && p.name.getText(src) === 'description') return true;
  }
  return false;
}

function englishLiterals(path: string): string[] {
  const src = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const text = node.getText(src);
      const said = words(node);
      const english = ENGLISH.test(said) || (SHORT.test(said.trim()) && !EXEMPT_NAMES[said.trim()]);
      if (english && !OTHER_LANGUAGE.test(said) && !isCode(node, src) && !notForChat(node, src) && !Object.keys(EXEMPT_TEXTS).some((t) => text.includes(t))) {
        found.push(`${src.getLineAndCharacterOfPosition(node.getStart(src)).line + 1}: ${text.slice(0, 100)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return found;
}

describe('user-visible text', () => {
  const scanned = SCANNED.flatMap((dir) => files(join(ROOT, dir))).map((path) => ({ file: relative(ROOT, path), path }));

  it('goes through the catalogue: no English sentence in chat code, the engine, the monitor or the scheduler beyond those counted', () => {
    const problems: string[] = [];
    for (const { file, path } of scanned) {
      if (EXEMPT_FILES[file]) continue;
      const found = englishLiterals(path);
      const allowed = REMAINING[file] ?? 0;
      if (found.length > allowed) problems.push(`${file}: ${found.length} English texts, ${allowed} known:\n  ${found.join('\n  ')}`);
      if (found.length < allowed) problems.push(`${file}: ${found.length} English texts left, REMAINING says ${allowed}: lower it`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('leaves the engine and the monitor without chat syntax', () => {
    for (const { file, path } of scanned.filter((f) => /^src\/(engine|monitor)\//.test(f.file))) {
      const src = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
      const literals: string[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) literals.push(node.getText(src));
        ts.forEachChild(node, visit);
      };
      visit(src);
      expect(
        literals.filter((l) => /(^|[^.\w])\/(distribute|alerts|schedule|wallet|rewards|help|holders)\b/.test(l)),
        file,
      ).toEqual([]);
    }
  });

  it('lists only files that exist, with a reason for each exemption', () => {
    const known = new Set(scanned.map((f) => f.file));
    expect(Object.keys(REMAINING).filter((f) => !known.has(f))).toEqual([]);
    expect(Object.keys(EXEMPT_FILES).filter((f) => !known.has(f))).toEqual([]);
  });
});
