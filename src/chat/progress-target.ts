/**
 * A distribution's outcome must reach the operator: before one starts (confirm, resume, retry),
 * the adapter is asked whether the progress message can be shown where it would go (on Discord,
 * whether the bot may post in that channel). If not, nothing starts, and the reply says what is
 * missing and how to fix it.
 */
import { msg } from '../i18n/index.js';
import { CommandError } from './errors.js';
import type { CommandContext } from './types.js';

export async function assertProgressShown(ctx: Pick<CommandContext, 'progressProblem'>): Promise<void> {
  const problem = await ctx.progressProblem();
  if (problem !== null) throw new CommandError('PROGRESS_HIDDEN', msg('err.progressHidden', { problem }));
}
