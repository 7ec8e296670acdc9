/**
 * The one place command options are validated. Typed text (Telegram, console) arrives as strings,
 * Discord's options arrive typed; both go through the same zod schema, built once per command from
 * its option specs, so a value is accepted or refused the same way on every platform.
 */
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
    const valid = command.options.length ? `; it takes ${command.options.map((o) => `${o.name}:`).join(' ')}` : '; it takes no options';
    const shown = unknown.slice(0, 3).map((n) => `${echo(n, 32)}:`);
    const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
    throw new CommandError('UNKNOWN_OPTION', `/${command.name} has no option ${shown.join(', ')}${more}${valid}`);
  }
  const input = Object.create(null) as Record<string, unknown>;
  for (const name of given) input[name] = named[name];
  const first = command.options[0];
  if (positional.length > 0) {
    if (positional.length > 1 || first === undefined || first.name in input) {
      const words = positional.slice(0, 3).map((p) => `"${echo(p, 24)}"`).join(', ') + (positional.length > 3 ? ', …' : '');
      throw new CommandError('BAD_SYNTAX', `/${command.name}: ${words} ${positional.length > 1 ? 'are' : 'is'} not name:value; write options as name:value: ${usage(command)}`);
    }
    input[first.name] = positional[0];
  }
  for (const [name, value] of Object.entries(input)) {
    const found = typeof value === 'string' ? findInvisible(value) : null;
    if (found) throw new CommandError('INVALID_OPTION', `/${command.name}: ${name}:${echo(value as string)} ${invisibleProblem(found.char)}`);
  }

  const result = schemaOf(command).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => issue.message);
  throw new CommandError('INVALID_OPTION', `/${command.name}: ${problems.join('; ')}`);
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

function fieldSchema(spec: OptionSpec): z.ZodType {
  const missing = `${spec.name} is required (${spec.name}:<${placeholder(spec)}>)`;
  let field: z.ZodType;
  switch (spec.type) {
    case 'string': {
      const bad = `${spec.name} must be text`;
      const base = z
        .string({ error: (issue) => (issue.input === undefined ? missing : bad) })
        .trim()
        .min(1, { error: `${spec.name} is empty` })
        .max(MAX_TEXT, { error: `${spec.name} is too long` });
      const choices = spec.choices as readonly string[] | undefined;
      field = choices
        ? base.transform((value, ctx) => {
            const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
            if (found === undefined) {
              ctx.addIssue({ code: 'custom', message: `${spec.name} must be one of ${choices.join(', ')}` });
              return z.NEVER;
            }
            return found;
          })
        : base;
      break;
    }
    case 'integer': {
      const bad = `${spec.name} must be a whole number, e.g. ${spec.name}:100`;
      const outOfRange = (n: number) => `${spec.name} is too ${n < 0 ? 'small' : 'large'}; it must be a whole number from -${MAX_INTEGER} to ${MAX_INTEGER}`;
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
      field = choices
        ? base.refine((v) => choices.includes(v), { error: `${spec.name} must be one of ${choices.join(', ')}` })
        : base;
      break;
    }
    case 'boolean':
      field = z.preprocess(
        (v) => (typeof v === 'string' ? (BOOLEAN_WORDS[v.trim().toLowerCase()] ?? v) : v),
        z.boolean({ error: (issue) => (issue.input === undefined ? missing : `${spec.name} must be true or false`) }),
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

