/**
 * Large communities: a preview covers every holder that passes the filters unless the
 * operator caps it, says how many a cap leaves out, refuses rather than trims past the configured
 * limit; and a Discord preview of 10,000 holders is answered within Discord's 3 s while /help, sent
 * at the same moment, is answered too. The chain seeds its big token in bulk (bulk-holders.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import { writeTokenAccount } from '../src/localnet/token-accounts.js';
import { renderPreview } from '../src/chat/format.js';
import { translator } from '../src/i18n/index.js';
import { loadConfig } from '../src/config/index.js';
import { startDiscord } from '../src/platforms/discord/start-discord.js';
import { registerDiscordCommands } from '../src/platforms/discord/register.js';
import { startHarness, operator, type EngineHarness } from './helpers/engine.js';
import { startChatApp } from './helpers/chat-app.js';
import { rejection } from './helpers/rejection.js';
import { startDiscordStandin } from './standins/discord.js';

describe('a preview of 30,000 holders', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startHarness({ holders: 5, seed: 31, bulkHolders: 30_000 });
  }, 60_000);
  afterAll(async () => h?.close());
  const mint = () => h.net.scenario.bulkMint as string;

  it('pays every holder that passes the filters by default: nobody is left out by a cap', async () => {
    const preview = await h.engine.service.preview({ token: mint(), amount: '100', reward: 'SOL', includeOffCurve: true }, operator);
    // The old default cut this to the largest 10,000 without a flag.
    expect(preview.holdersInSnapshot).toBe(30_000);
    expect(preview.plan.recipients.length + preview.zeroShareCount).toBe(30_000);
    expect(preview.excluded['beyond-max']).toBe(0);
    expect(preview.risks.map((r) => r.code)).not.toContain('capped');
    expect(preview.plan.recipients.toArray().reduce((s, r) => s + r.amount, 0n)).toBe(100_000_000_000n);
  }, 120_000);

  it('with the default filters leaves out only off-curve owners, and counts them', async () => {
    const preview = await h.engine.service.preview({ token: mint(), amount: '100', reward: 'SOL' }, operator);
    expect(preview.plan.recipients.length + preview.zeroShareCount + preview.excluded['off-curve']).toBe(30_000);
    expect(preview.excluded['beyond-max']).toBe(0);
  }, 120_000);

  it('flags a max: that leaves holders out, with the number left out, in the engine and in the chat text', async () => {
    const preview = await h.engine.service.preview({ token: mint(), amount: '100', reward: 'SOL', includeOffCurve: true, max: 1_000 }, operator);
    expect(preview.plan.recipients.length).toBe(1_000);
    expect(preview.risks).toContainEqual({ code: 'capped', max: 1_000, leftOut: 29_000 });
    expect(renderPreview(preview, translator('en'))).toContain('⚠ max:1000 leaves out 29000 holders that pass every other filter: they are not paid');
  }, 120_000);
});

describe('account checks of a token reward', () => {
  it("reads the reward token's own accounts when that is fewer requests, and finds the same existing accounts as per-recipient lookups", async () => {
    const h = await startHarness({ holders: 5, seed: 33, bulkHolders: 2_000 });
    try {
      const { scenario } = h.net;
      const bulk = h.net.bulk as NonNullable<typeof h.net.bulk>;
      const reward = new PublicKey(scenario.rewardMint);
      // 30 holders already hold the reward in their associated account; one more holds it in another account (not the associated one).
      const withAta: string[] = [];
      for (let i = 0; i < 30; i++) {
        const owner = new PublicKey(bulk.ownerBytes(i * 50));
        writeTokenAccount(h.net.chain, { address: getAssociatedTokenAddressSync(reward, owner, true), program: TOKEN_PROGRAM_ID, mint: reward, owner, amount: 5n });
        withAta.push(owner.toBase58());
      }
      const stray = new PublicKey(bulk.ownerBytes(7));
      writeTokenAccount(h.net.chain, { address: Keypair.generate().publicKey, program: TOKEN_PROGRAM_ID, mint: reward, owner: stray, amount: 5n });

      h.net.server.resetStats();
      const req = { token: scenario.bulkMint as string, amount: '1000', reward: scenario.rewardMint, includeOffCurve: true };
      const byOwner = await h.engine.service.preview(req, operator);
      expect(byOwner.accountChecks).toEqual({ accounts: byOwner.plan.recipients.length, requests: 2, method: 'getProgramAccounts' });
      expect(h.net.server.stats().requestsByMethod['getMultipleAccounts'] ?? 0).toBe(0);
      const existing = byOwner.plan.recipients
        .toArray()
        .filter((r) => !r.needsAccount)
        .map((r) => r.owner);
      expect(existing.sort()).toEqual([...new Set(withAta)].sort());
      expect(byOwner.newAccounts).toBe(byOwner.plan.recipients.length - existing.length);

      // The same preview where the node will not serve getProgramAccounts: one lookup per 100 recipients, the same answer.
      h.net.server.configure({ tokenProgramScans: false });
      const perRecipient = await h.engine.service.preview({ ...req, refreshSnapshot: false }, operator);
      expect(perRecipient.accountChecks.method).toBe('getMultipleAccounts');
      expect(perRecipient.accountChecks.requests).toBe(Math.ceil(perRecipient.plan.recipients.length / 100));
      expect(perRecipient.plan.recipients.toArray().map((r) => [r.owner, r.needsAccount])).toEqual(byOwner.plan.recipients.toArray().map((r) => [r.owner, r.needsAccount]));
    } finally {
      h.net.server.configure({ tokenProgramScans: true });
      await h.close();
    }
  }, 120_000);
});

describe('distribution.snapshotMaxRecipients', () => {
  it('defaults to no limit', () => {
    expect(loadConfig({ env: {} }).distribution.snapshotMaxRecipients).toBeNull();
  });

  it('refuses a preview with more recipients than the limit, naming the count and what to narrow, instead of trimming it', async () => {
    const h = await startHarness({ holders: 5, seed: 32, bulkHolders: 2_000 }, { snapshotMaxRecipients: 500 });
    try {
      const e = await rejection(h.engine.service.preview({ token: h.net.scenario.bulkMint as string, amount: '1', reward: 'SOL', includeOffCurve: true }, operator));
      expect(e.code).toBe('TOO_MANY_RECIPIENTS');
      expect(e.userMessage).toMatch(/^2000 holders pass the filters, more than this bot plans at once \(distribution.snapshotMaxRecipients = 500\)/);
      expect(e.userMessage).toContain('min:');
      expect(e.userMessage).toContain('max:500');
      // An explicit max: within the limit is a plan, flagged.
      const capped = await h.engine.service.preview({ token: h.net.scenario.bulkMint as string, amount: '1', reward: 'SOL', includeOffCurve: true, max: 500 }, operator);
      expect(capped.risks).toContainEqual({ code: 'capped', max: 500, leftOut: 1_500 });
    } finally {
      await h.close();
    }
  }, 120_000);
});

/** Shaped like a real bot token (the config checks the shape); the stand-in accepts any. */
const TEST_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GstAnd.stand-in-token-for-tests-only-000';

describe('Discord while a 10,000-holder preview is planned', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.();
  });

  it("answers the preview and a /help sent at the same moment within Discord's 3 s (the stand-in refuses a later answer)", async () => {
    const discord = await startDiscordStandin({ channels: ['tributary-ops'] });
    cleanups.push(() => discord.close());
    const chat = await startChatApp({
      chain: { bulkHolders: 10_000 },
      config: {
        discord: { token: TEST_TOKEN, apiBase: discord.apiBase },
        roles: { operator: { discordRoleIds: [discord.fixture.roleId('Tributary Operator')] } },
      },
    });
    cleanups.push(() => chat.close());
    await registerDiscordCommands(chat.app.config, { guildId: discord.fixture.guild.id });
    const bot = await startDiscord(chat.app);
    cleanups.push(() => bot.stop());
    const { scenario } = chat.harness.net;

    // A token reward: every recipient's associated account is derived and looked up, the heaviest preview there is.
    const preview = discord.dispatchInteraction({
      name: 'distribute preview',
      options: { token: scenario.bulkMint as string, amount: '1000', reward: scenario.rewardMint, offcurve: true },
      user: 'alice',
      channelId: discord.fixture.channelId('tributary-ops'),
    });
    const help = discord.dispatchInteraction({ name: 'help', user: 'bob' });

    // An answer after 3 s is refused with 10062 Unknown interaction, so an accepted callback is the proof.
    const helpAck = await discord.waitForAck(help.id, 20_000);
    const previewAck = await discord.waitForAck(preview.id, 20_000);
    expect(helpAck.ackType).toBeDefined();
    expect(previewAck.ackType).toBeDefined();
    const answer = await waitFor(() => {
      const m = [...discord.messages.values()].find((x) => x.interactionId === preview.id && /Plan \w{8}/.test(x.current.content));
      if (!m) throw new Error('no plan yet');
      return m;
    }, 120_000);
    expect(answer.current.content).toContain('Recipients: 10000 of 10000 holders');
  }, 180_000);
});

async function waitFor<T>(probe: () => T, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return probe();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
