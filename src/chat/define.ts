import type { CommandDefinition, OptionSpec } from './types.js';

/**
 * What a command file exports as default: `export default defineCommand({ ... })`. It only helps
 * TypeScript type each option for the handler; the loader checks the shape at run time.
 */
export function defineCommand<const O extends readonly OptionSpec[]>(definition: CommandDefinition<O>): CommandDefinition<O> {
  return definition;
}
