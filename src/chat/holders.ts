/**
 * The holder list behind /holders snapshot and /holders export: the engine's snapshot and filters
 * (src/engine/chain-reads.ts), asked with the options as typed.
 */
import { msg } from '../i18n/index.js';
import type { HolderQuery as EngineHolderQuery, HolderList } from '../engine/chain-reads.js';
import { echo } from './echo.js';
import { CommandError } from './errors.js';
import type { ChatServices } from './services.js';

/** The options of both /holders commands: the same query, shown or exported (described in src/i18n/catalogue/commands.ts). */
export const HOLDER_QUERY_OPTIONS = [
  { name: 'token', type: 'string', required: true },
  { name: 'min', type: 'string' },
  { name: 'exclude', type: 'string' },
  { name: 'max', type: 'integer' },
  { name: 'offcurve', type: 'boolean' },
  { name: 'refresh', type: 'boolean' },
] as const;

/** How a plan picks and weighs its holders: /distribute preview and /schedule create take the same. */
export const PLAN_FILTER_OPTIONS = [
  { name: 'mode', type: 'string', choices: ['proportional', 'equal'] },
  { name: 'min', type: 'string' },
  { name: 'exclude', type: 'string' },
  { name: 'max', type: 'integer' },
  { name: 'offcurve', type: 'boolean' },
] as const;

export interface HolderQuery {
  token: string;
  min?: string | undefined;
  exclude?: string | undefined;
  max?: number | undefined;
  offcurve?: boolean | undefined;
  refresh?: boolean | undefined;
}

export function holderList(app: ChatServices, q: HolderQuery): Promise<HolderList> {
  return app.engine.reads.holders(holderQuery(q));
}

/** The engine's query of the options as typed; a negative `min:` is refused here (refuseNegativeMin). */
export function holderQuery(q: HolderQuery): EngineHolderQuery {
  if (q.min !== undefined) refuseNegativeMin(q.min);
  return {
    token: q.token,
    min: q.min,
    exclude: q.exclude ? splitList(q.exclude) : undefined,
    max: q.max,
    includeOffCurve: q.offcurve ?? false,
    refresh: q.refresh ?? false,
  };
}

/**
 * `min:` is a least holding, so zero is allowed (it counts everyone). The engine's amount parser
 * answers a negative one with "must be more than zero", which is wrong for a minimum; this says
 * what is allowed before the engine is asked. (The engine's message is to be fixed in
 * src/engine/amounts.ts, which says "more than zero" whether or not zero is allowed.)
 */
export function refuseNegativeMin(min: string): void {
  if (/^\s*-/.test(min)) {
    throw new CommandError('INVALID_OPTION', msg('err.minNegative', { min: echo(min.trim()) }));
  }
}

/** `a,b, c` -> [a, b, c]: the exclude list as typed. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
