/**
 * No user-visible text bypasses the catalogue. Every string and template literal in the code that
 * talks to people (commands/, src/chat/, src/platforms/) and in the code that must only speak in
 * codes (src/engine/, src/monitor/, src/schedule/) is read with the TypeScript parser; one holding a run of three
 * English words is a sentence written past the catalogue, unless it is one of:
 *  - what is not shown to chat users: log lines, thrown Errors (bugs, shown only as an id), test names,
 *    command and option descriptions (the English defaults; commands.ts has the other languages);
 *  - the texts below that are exempt for a stated reason;
 *  - the texts not yet moved into the catalogue, counted per file in REMAINING: a new sentence
 *    anywhere fails, and so does a file that has fewer than counted (lower the count when you move one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const SCANNED = ['commands', 'src/chat', 'src/platforms', 'src/engine', 'src/monitor', 'src/schedule'];

/** Whole files whose words are not for chat users. */
const EXEMPT_FILES: Record<string, string> = {
  'src/chat/loader.ts': "a command file's problems, for the developer who wrote it (logged at start)",
  'src/monitor/metrics.ts': "Prometheus metrics' help texts",
  'src/monitor/config.ts': 'config validation, printed by `tributary config check` and at start',
  'src/monitor/http.ts': 'HTTP answers of /metrics and /healthz',
  'src/platforms/link.ts': 'connection states for the log',
  'src/engine/das.ts': 'JSON-RPC error texts of a DAS answer, logged and wrapped by the engine',
};

/** Single texts whose words are not the catalogue's to choose. */
const EXEMPT_TEXTS: Record<string, string> = {
  'Tributary wallet link |': 'the message a wallet signs: byte for byte the same in every language',
  '(not shown: it looks like a private key)': 'stands where a pasted secret would be echoed',
  'Active alerts: list and acknowledge': "menu.ts's group descriptions: the English default, like a command's description",
  'Preview, confirm and manage reward distributions': 'as above',
  'Holder snapshots of a token': 'as above',
  'Link the wallets you receive rewards in': 'as above',
  'The bot configuration (admins)': 'as above',
  'Recurring distributions: create and manage them': 'as above',
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
};

/** Texts not yet in the catalogue, per file: they are answered in English in every language. */
const REMAINING: Record<string, number> = {};

const ENGLISH = /\b[A-Za-z]{2,}[ ,;:]+(?:[A-Za-z]{2,}[ ,;:]+)+[A-Za-z]{2,}\b/;

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

/** Inside a log call, a thrown Error, a test name, or a description: not a chat text. */
function notForChat(node: ts.Node, src: ts.SourceFile): boolean {
  for (let p = node.parent, depth = 0; p && depth < 4; p = p.parent, depth++) {
    if (ts.isCallExpression(p)) {
      const callee = p.expression.getText(src);
      return /(^|\.)(logger|log)\.|\.(info|warn|error|debug|trace|fatal)$/.test(callee);
    }
    if (ts.isNewExpression(p)) return /^(Error|RangeError|TypeError|StoreError|DasError|SolanaJSONRPCError)$/.test(p.expression.getText(src));
    if (ts.isPropertyAssignment(p)) return /^(description|name)$/.test(p.name.getText(src));
  }
  return false;
}

function englishLiterals(path: string): string[] {
  const src = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const text = node.getText(src);
      if (ENGLISH.test(words(node)) && !notForChat(node, src) && !Object.keys(EXEMPT_TEXTS).some((t) => text.includes(t))) {
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
