/**
 * Module resolve hooks (node:module register) that give src/app/start.js the lean stand-ins
 * instead of src/platforms/index.js and src/localnet/index.js, so the idle benchmark can show what
 * the proposed lazy imports save without changing src/.
 */
const STAND_INS: Record<string, string> = {
  '../platforms/index.js': new URL('./platforms-index.js', import.meta.url).href,
  '../localnet/index.js': new URL('./localnet-index.js', import.meta.url).href,
};

type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  const standIn = STAND_INS[specifier];
  if (standIn && context.parentURL?.endsWith('/src/app/start.js')) return { url: standIn, shortCircuit: true };
  return next(specifier, context);
}
