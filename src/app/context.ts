import type { ChatServices } from '../chat/services.js';
import type { Localnet } from '../localnet/index.js';
import type { Engine } from './engine.js';

/**
 * Everything a running Tributary has, built once at start (src/app/start.ts). The platform adapters
 * and the command layer receive it as ChatServices (src/chat/services.ts): the engine's services,
 * not its gateway.
 */
export interface AppContext extends ChatServices {
  engine: Engine;
  /** The embedded chain, when `npm start` runs on its default (no SOLANA_RPC_URL). */
  localnet?: Localnet;
}
