/**
 * `bigint: Failed to load bindings, pure JS will be used (try npm run rebuild?)` is printed by
 * bigint-buffer (through @solana/spl-token -> @solana/buffer-layout-utils) when its native addon is
 * missing. Here it is missing on purpose: package.json's allowScripts keeps its install script from
 * running, because the addon is the part with the out-of-bounds bug of CVE-2025-3194
 * (GHSA-3gc7-fjrx-p6mg, no fixed release), while its pure JavaScript fallback converts the same
 * bytes with Buffer and BigInt and is fast enough for account decoding. So pure JS is intended, and
 * the warning says nothing an operator can act on ("npm run rebuild" is not even a script here).
 *
 * This module loads bigint-buffer first, with exactly that one line held back, so the modules that
 * import it later get the already-loaded copy and nothing is printed; any other console.warn goes
 * through. Imported for its effect, first, by the CLI commands that load spl-token.
 */
import { createRequire } from 'node:module';

const NOTICE = 'bigint: Failed to load bindings, pure JS will be used';

const warn = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith(NOTICE)) return;
  warn(...args);
};
try {
  // Resolved the way spl-token's own dependency resolves it, so this is the copy it will use.
  const splToken = createRequire(createRequire(import.meta.url).resolve('@solana/spl-token'));
  const layoutUtils = createRequire(splToken.resolve('@solana/buffer-layout-utils'));
  layoutUtils('bigint-buffer');
} catch {
  // Not installed as expected: spl-token will load it (and warn) as it always did.
} finally {
  console.warn = warn;
}
