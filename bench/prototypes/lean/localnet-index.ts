/**
 * PROTOTYPE stand-in for the static `import { startLocalnet } from '../localnet/index.js'` of
 * src/app/start.ts as proposed: litesvm and @solana/kit load only when the embedded chain starts.
 */
import type { Localnet, LocalnetOptions } from '../../../src/localnet/index.js';

export async function startLocalnet(opts: LocalnetOptions): Promise<Localnet> {
  return (await import('../../../src/localnet/index.js')).startLocalnet(opts);
}
