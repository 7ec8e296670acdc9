/**
 * The one place command options are validated. Typed text (Telegram, console) arrives as strings,
 * Discord's options arrive typed; both go through the same zod schema, built once per command from
 * its option specs, so a value is accepted or refused the same way on every platform.
 */
import { isMessage } from '../i18n/message.js';
import { listParam, msg, type Message, type MessageKey } from '../i18n/index.js';
import { z } from 'zod';
import { echo, findInvisible, invisibleProblem } from './echo.js';
import { CommandError } from './errors.js';
import type { AnyCommand, OptionSpec } from './types.js';

export type RawOptions = Record<string, string | number | boolean>;

/** Longer text is nobody's address or amount; refused before anything else looks at it. */
const MAX_TEXT = 2_000;
/** Largest integer option (counts, never money): the largest a JavaScript number holds exactly. */
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

const schemas = new WeakMap<AnyCommand, z.ZodType<Record<string, unknown>>>();

/**
 * Named options plus positional values -> the handler's options. Throws CommandError naming every
 * problem at once; nothing has run yet.
 *
 * One bare value is taken for the command's first option when that is not given by name
 * (`/distribute status ab12cd34`, `/rewards <wallet>`); anything else must be name:value. Filling
 * several options by position would read `/distribute preview without slash` as a token and an
 * amount and answer "reward is required", which is not the problem.
 */
export function validateOptions(command: AnyCommand, named: RawOptions, positional: readonly string[] = []): Record<string, unknown> {
  const known = new Map(command.options.map((o) => [o.name, o]));
  const given = Object.keys(named);
  const unknown = given.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 3)
      .map((n) => `${echo(n, 32)}:`)
      .join(', ');
    const said = { command: command.name, options: shown, more: unknown.length - 3, takes: command.options.map((o) => `${o.name}:`).join(' ') };
    const key = command.options.length ? (unknown.length > 3 ? 'err.option.unknownMore' : 'err.option.unknown') : unknown.length > 3 ? 'err.option.noneMore' : 'err.option.none';
    throw new CommandError('UNKNOWN_OPTION', msg(key, said));
  }
  const input = Object.create(null) as Record<string, unknown>;
  for (const name of given) input[name] = named[name];
  const first = command.options[0];
  if (positional.length > 0) {
    if (positional.length > 1 || first === undefined || first.name in input) {
      const words =
        positional
          .slice(0, 3)
          .map((p) => `"${echo(p, 24)}"`)
          .join(', ') + (positional.length > 3 ? ', …' : '');
      throw new CommandError('BAD_SYNTAX', msg('err.option.positional', { command: command.name, words, count: positional.length, usage: usage(command) }));
    }
    input[first.name] = positional[0];
  }
  for (const [name, value] of Object.entries(input)) {
    const found = typeof value === 'string' ? findInvisible(value) : null;
    if (found)
      throw new CommandError('INVALID_OPTION', msg('err.option.problems', { command: command.name, problems: invisibleProblem(`${name}:${echo(value as string)}`, found.char) }));
  }

  const result = schemaOf(command).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => problemOf(issue.message));
  throw new CommandError('INVALID_OPTION', msg('err.option.problems', { command: command.name, problems: listParam(problems) }));
}

function schemaOf(command: AnyCommand): z.ZodType<Record<string, unknown>> {
  let schema = schemas.get(command);
  if (!schema) {
    const shape: Record<string, z.ZodType> = {};
    for (const spec of command.options) shape[spec.name] = fieldSchema(spec);
    schema = z.object(shape) as unknown as z.ZodType<Record<string, unknown>>;
    schemas.set(command, schema);
  }
  return schema;
}

/**
 * zod carries a refusal as text: a Message travels in it as JSON, read back here, so the caller
 * reads it in their language. Text that is no Message (zod's own) is shown as it is.
 */
function problem(key: MessageKey, params: Record<string, string | number> = {}): string {
  return JSON.stringify(msg(key, params));
}

function problemOf(text: string): Message {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isMessage(parsed)) return parsed;
  } catch {
    // not one of ours
  }
  return msg('err.option.raw', { text });
}

function fieldSchema(spec: OptionSpec): z.ZodType {
  const name = spec.name;
  const missing = problem('err.option.required', { name, placeholder: placeholder(spec) });
  let field: z.ZodType;
  switch (spec.type) {
    case 'string': {
      const bad = problem('err.option.text', { name });
      const base = z
        .string({ error: (issue) => (issue.input === undefined ? missing : bad) })
        .trim()
        .min(1, { error: problem('err.option.empty', { name }) })
        .max(MAX_TEXT, { error: problem('err.option.tooLong', { name }) });
      const choices = spec.choices as readonly string[] | undefined;
      field = choices
        ? base.transform((value, ctx) => {
            const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
            if (found === undefined) {
              ctx.addIssue({ code: 'custom', message: problem('err.option.oneOf', { name, choices: choices.join(', ') }) });
              return z.NEVER;
            }
            return found;
          })
        : base;
      break;
    }
    case 'integer': {
      const bad = problem('err.option.integer', { name });
      const outOfRange = (n: number) => problem(n < 0 ? 'err.option.tooSmall' : 'err.option.tooLarge', { name, max: MAX_INTEGER });
      const base = z.preprocess(
        (v) => (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v),
        z.int({
          error: (issue) => {
            if (issue.input === undefined) return missing;
            // Digits only, but past what a number holds exactly: say so rather than "not a whole number".
            return typeof issue.input === 'number' && Number.isInteger(issue.input) ? outOfRange(issue.input) : bad;
          },
        }),
      );
      const choices = spec.choices as readonly number[] | undefined;
      field = choices ? base.refine((v) => choices.includes(v), { error: problem('err.option.oneOf', { name, choices: choices.join(', ') }) }) : base;
      break;
    }
    case 'boolean':
      field = z.preprocess(
        (v) => (typeof v === 'string' ? (BOOLEAN_WORDS[v.trim().toLowerCase()] ?? v) : v),
        z.boolean({ error: (issue) => (issue.input === undefined ? missing : problem('err.option.boolean', { name })) }),
      );
      break;
  }
  return spec.required ? field : field.optional();
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** How an option's value is shown in usage lines: `<mint>`-style hints come from the description. */
export function placeholder(spec: OptionSpec): string {
  if (spec.choices) return spec.choices.join('|');
  if (spec.type === 'integer') return 'number';
  if (spec.type === 'boolean') return 'true|false';
  return spec.name;
}

/** `/distribute preview token:<token> amount:<amount> [mode:proportional|equal]`. */
export function usage(command: AnyCommand): string {
  const parts = command.options.map((o) => (o.required ? `${o.name}:<${placeholder(o)}>` : `[${o.name}:<${placeholder(o)}>]`));
  return [`/${command.name}`, ...parts].join(' ');
}
