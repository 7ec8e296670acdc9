import { describe, expect, it } from 'vitest';
import { isCommandError } from '../src/chat/errors.js';
import { validateOptions } from '../src/chat/options.js';
import { parseCommandText, resolveName } from '../src/chat/parse.js';
import type { AnyCommand } from '../src/chat/types.js';

const NAMES = new Set(['distribute preview', 'distribute confirm', 'distribute status', 'rewards', 'help']);

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isCommandError(e)) return { code: e.code, message: e.userMessage };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('typed command syntax', () => {
  it('reads a full preview command into its command and options, values as typed', () => {
    const parsed = parseCommandText('/distribute preview token:MiNt111 amount:1000 reward:SOL mode:proportional min:10 exclude:AaA,BbB');
    expect(parsed).toEqual({
      words: ['distribute', 'preview'],
      named: { token: 'MiNt111', amount: '1000', reward: 'SOL', mode: 'proportional', min: '10', exclude: 'AaA,BbB' },
    });
    expect(resolveName(parsed?.words ?? [], NAMES)).toEqual({ name: 'distribute preview', positional: [] });
  });

  it('keeps a quoted value with spaces together, quoted either around the value or the whole option', () => {
    expect(parseCommandText('/help memo:"two words" "note:a: b" topic:\'x y\'')?.named).toEqual({ memo: 'two words', note: 'a: b', topic: 'x y' });
    expect(parseCommandText('/help memo:“curly quotes”')?.named).toEqual({ memo: 'curly quotes' });
    expect(parseCommandText('/help memo:"say \\"hi\\""')?.named).toEqual({ memo: 'say "hi"' });
  });

  it('takes bare words after the command as positional values, case kept', () => {
    const parsed = parseCommandText('/rewards 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU "two words"');
    expect(parsed?.named).toEqual({});
    expect(resolveName(parsed?.words ?? [], NAMES)).toEqual({ name: 'rewards', positional: ['7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU', 'two words'] });
  });

  it('accepts the console without a slash, Telegram mentions of this bot and Telegram menu names with underscores', () => {
    expect(parseCommandText('help')?.words).toEqual(['help']);
    expect(parseCommandText('/help@Tributary_Bot', 'tributary_bot')?.words).toEqual(['help']);
    expect(resolveName(parseCommandText('/distribute_status abc')?.words ?? [], NAMES)).toEqual({ name: 'distribute status', positional: ['abc'] });
    expect(resolveName(['Distribute', 'PREVIEW'], NAMES).name).toBe('distribute preview');
  });

  it('ignores empty lines, comments and commands addressed to another bot', () => {
    expect(parseCommandText('   ')).toBeNull();
    expect(parseCommandText('# a comment in a script')).toBeNull();
    expect(parseCommandText('/help@other_bot', 'tributary_bot')).toBeNull();
  });

  it('says what is wrong with a line it cannot read', () => {
    expect(refusal(() => parseCommandText('/help memo:"open'))).toEqual({ code: 'BAD_SYNTAX', message: 'a quote is not closed' });
    expect(refusal(() => parseCommandText('/help a:1 a:2')).message).toBe('a: is given twice');
    expect(refusal(() => resolveName(['distribute'], NAMES)).message).toMatch(/^\/distribute needs one more word: \/distribute preview, /);
    expect(refusal(() => resolveName(['distribute', 'launch'], NAMES)).message).toMatch(/^\/distribute has no "launch"; /);
    expect(refusal(() => resolveName(['launch'], NAMES))).toEqual({ code: 'UNKNOWN_COMMAND', message: 'there is no command /launch; /help lists the commands you may run' });
  });
});

const sample = {
  name: 'sample',
  description: 'x',
  role: 'holder',
  options: [
    { name: 'id', description: 'x', type: 'string', required: true },
    { name: 'mode', description: 'x', type: 'string', choices: ['proportional', 'equal'] },
    { name: 'max', description: 'x', type: 'integer' },
    { name: 'offcurve', description: 'x', type: 'boolean' },
  ],
  handler: async () => ({ text: '' }),
} as const satisfies AnyCommand;

describe('option validation, the same for typed text and Discord options', () => {
  it("turns typed text into integers and booleans, and accepts Discord's typed values as they are", () => {
    expect(validateOptions(sample, { id: ' ab12 ', max: '25', offcurve: 'yes' })).toEqual({ id: 'ab12', max: 25, offcurve: true });
    expect(validateOptions(sample, { id: 'ab12', max: 25, offcurve: false })).toEqual({ id: 'ab12', max: 25, offcurve: false });
  });

  it('matches choices without regard to case and hands the handler the listed spelling', () => {
    expect(validateOptions(sample, { id: 'x', mode: 'EQUAL' })['mode']).toBe('equal');
  });

  it('takes one bare value for the first option, and names stray words instead of reading them as other options', () => {
    expect(validateOptions(sample, { mode: 'equal' }, ['ab12'])).toEqual({ id: 'ab12', mode: 'equal' });
    expect(refusal(() => validateOptions(sample, { mode: 'equal' }, ['ab12', '3']))).toEqual({
      code: 'BAD_SYNTAX',
      message: '/sample: "ab12", "3" are not name:value; write options as name:value: /sample id:<id> [mode:<proportional|equal>] [max:<number>] [offcurve:<true|false>]',
    });
    expect(refusal(() => validateOptions(sample, { id: 'ab12' }, ['3'])).message).toMatch(/^\/sample: "3" is not name:value; /);
  });

  it('names every problem at once', () => {
    const { code, message } = refusal(() => validateOptions(sample, { mode: 'random', max: '2.5', offcurve: 'maybe' }));
    expect(code).toBe('INVALID_OPTION');
    expect(message).toBe('/sample: id is required (id:<id>); mode must be one of proportional, equal; max must be a whole number, e.g. max:100; offcurve must be true or false');
  });

  it('refuses options the command does not take, and extra positional values', () => {
    expect(refusal(() => validateOptions(sample, { id: 'x', amount: '5' }))).toEqual({
      code: 'UNKNOWN_OPTION',
      message: '/sample has no option amount:; it takes id: mode: max: offcurve:',
    });
    expect(refusal(() => validateOptions(sample, {}, ['a', 'b', '3', 'true', 'extra'])).message).toMatch(
      /^\/sample: "a", "b", "3", … are not name:value; write options as name:value: \/sample id:<id> /,
    );
  });
});
