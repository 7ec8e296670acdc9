import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import pino from 'pino';
import { PublicKey, type Connection } from '@solana/web3.js';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { createEngine, type Engine, type EngineOptions } from '../../src/app/engine.js';
import { defaultEngineOptions, type EngineOverrides } from './defaults.js';
import { startLocalnet, type Localnet, type LocalnetOptions } from '../../src/localnet/index.js';
import type { Actor, Plan } from '../../src/engine/ledger.js';
import type { CompletedEvent } from '../../src/engine/events.js';

export const operator: Actor = { platform: 'test', userId: 'op-1', name: 'Operator' };

export interface EngineHarness {
  net: Localnet;
  engine: Engine;
  store: Store;
  close(): Promise<void>;
}

/** A local chain and an engine on it, with a SQLite store in a new temporary folder unless a store is passed. */
export async function startHarness(
  chain: LocalnetOptions = {},
  engine: Omit<EngineOverrides, 'gateway'> & {
    /** Gateway options, or a function of the chain (for a fallback that is one of its endpoints). */
    gateway?: Partial<EngineOptions['gateway']> | ((net: Localnet) => Partial<EngineOptions['gateway']>);
    store?: Store;
  } = {},
): Promise<EngineHarness> {
  const net = await startLocalnet({ holders: 40, slotMs: 50, ...chain });
  const ownStore = engine.store === undefined;
  const { store: givenStore, gateway, executor, ...overrides } = engine;
  const store = givenStore ?? (await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'tributary-harness-')), sweepIntervalMs: 0 }));
  const e = createEngine(
    defaultEngineOptions(
      { rpcUrl: net.rpcUrl, keypairPath: net.scenario.keypairPath, store, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) },
      {
        ...overrides,
        gateway: {
          timeoutMs: 2_000,
          retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 300 },
          ...(typeof gateway === 'function' ? gateway(net) : gateway),
        },
        cacheStore: overrides.cacheStore ?? new Keyv(),
        executor: { pollIntervalMs: 50, rebroadcastIntervalMs: 300, assumedSlotMs: chain.slotMs ?? 50, progressIntervalMs: 100, ...executor },
      },
    ),
  );
  return {
    net,
    engine: e,
    store,
    async close() {
      await e.close();
      await net.close();
      if (ownStore) await store.close();
    },
  };
}

/** What each planned recipient holds of the reward on chain now (their ATA, or lamports for SOL). */
export async function onChainBalances(connection: Connection, plan: Plan): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  const keys = plan.recipients.toArray().map((r) => {
    const owner = new PublicKey(r.owner);
    if (plan.reward.kind === 'sol') return owner;
    return getAssociatedTokenAddressSync(new PublicKey(plan.reward.mint), owner, true, new PublicKey(plan.reward.programId));
  });
  for (let i = 0; i < keys.length; i += 100) {
    const infos = await connection.getMultipleAccountsInfo(keys.slice(i, i + 100));
    infos.forEach((info, k) => {
      const owner = plan.recipients.owner(i + k);
      if (plan.reward.kind === 'sol') out.set(owner, BigInt(info?.lamports ?? 0));
      else out.set(owner, info && info.owner.equals(new PublicKey(plan.reward.programId)) ? info.data.readBigUInt64LE(64) : 0n);
    });
  }
  return out;
}

/** The `completed` event of distribution `id`. */
export function completion(h: EngineHarness, id: string): Promise<CompletedEvent> {
  return new Promise((resolve) => {
    const on = (e: CompletedEvent) => {
      if (e.distributionId !== id) return;
      h.engine.events.off('completed', on);
      resolve(e);
    };
    h.engine.events.on('completed', on);
  });
}

/** Previews and confirms a plan, and waits for its end. */
export async function runToEnd(h: EngineHarness, req: Parameters<EngineHarness['engine']['service']['preview']>[0]) {
  const preview = await h.engine.service.preview(req, operator);
  const done = completion(h, preview.plan.id);
  await h.engine.service.confirm(preview.plan.id, operator);
  const completed = await done;
  return { preview, completed };
}

/** startHarness, with every harness it made closed after each test of the file that calls this. */
export function harnessPerTest(): typeof startHarness {
  const open: EngineHarness[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()?.close();
  });
  return async (...args) => {
    const h = await startHarness(...args);
    open.push(h);
    return h;
  };
}
