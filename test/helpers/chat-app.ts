/**
 * An AppContext over the local chain for the chat and platform tests: the engine harness, an
 * in-memory store, a config with fast progress edits, and a holder wallet whose key the test holds
 * (the seeded holders' keys are not exposed), so it can sign a wallet link and be paid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { writeTokenAccount } from '../../src/localnet/token-accounts.js';
import { Keypair, PublicKey } from '@solana/web3.js';
import Keyv from 'keyv';
import pino from 'pino';
import type { AppContext } from '../../src/app/context.js';
import { deepMerge, loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import type { Localnet, LocalnetOptions } from '../../src/localnet/index.js';
import { startHarness, type EngineHarness } from './engine.js';

export interface ChatApp {
  app: AppContext;
  harness: EngineHarness;
  /** A wallet the test can sign with; it holds base tokens, so every distribution pays it. */
  holder: Keypair;
  dataDir: string;
  /** sendTransaction calls the local chain received. */
  sent(): number;
  close(): Promise<void>;
}

export interface ChatAppOptions {
  config?: DeepPartial<Config>;
  holders?: number;
  seed?: number;
  /** Default 60 s. */
  previewTtlMs?: number;
  /** More settings of the local chain (a bulk-seeded token, provider limits). */
  chain?: Partial<LocalnetOptions>;
}

export async function startChatApp(opts: ChatAppOptions = {}): Promise<ChatApp> {
  const previewTtlMs = opts.previewTtlMs ?? 60_000;
  const cache = new Keyv();
  const harness = await startHarness({ holders: opts.holders ?? 8, seed: opts.seed ?? 7, slotMs: 50, ...opts.chain }, { previewTtlMs, cacheStore: cache });
  const holder = Keypair.generate();
  giveBaseTokens(harness.net, holder.publicKey, 5_000_000_000n);
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-chat-'));
  const config = loadConfig({
    env: {},
    overrides: deepMerge({ dataDir, distribution: { previewTtlMs, progressEditIntervalMs: 150 }, log: { level: 'silent' } }, opts.config ?? {}) as DeepPartial<Config>,
  });
  const stores = new Map<string, Keyv>([['cache', cache]]);
  const app: AppContext = {
    config,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    engine: harness.engine,
    store: {
      ns(name) {
        let kv = stores.get(name);
        if (!kv) stores.set(name, (kv = new Keyv()));
        return kv;
      },
    },
    localnet: harness.net,
    explorerUrl: (signature) => `https://explorer.solana.com/tx/${signature}?cluster=custom`,
  };
  return {
    app,
    harness,
    holder,
    dataDir,
    sent: () => harness.net.server.stats().requestsByMethod['sendTransaction'] ?? 0,
    async close() {
      await harness.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Writes a base-token account for `owner` straight into the chain, as the seed does for its holders. */
export function giveBaseTokens(net: Localnet, owner: PublicKey, amount: bigint): void {
  const mint = new PublicKey(net.scenario.baseMint);
  writeTokenAccount(net.chain, { address: getAssociatedTokenAddressSync(mint, owner), program: TOKEN_PROGRAM_ID, mint, owner, amount });
}
