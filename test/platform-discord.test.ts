/**
 * The real discord.js client against the Discord stand-in, over the local chain: what moderators and
 * holders see in a server, and what the bot refuses to do.
 */
import { msg } from '../src/i18n/index.js';
import { MessageFlags } from 'discord.js';
import bs58 from 'bs58';
import { nativeSigner } from '../src/solana/signer.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../src/chat/audit.js';
import { startDiscord, type DiscordAdapter } from '../src/platforms/discord/start-discord.js';
import { registerDiscordCommands } from '../src/platforms/discord/register.js';
import { startChatApp, type ChatApp } from './helpers/chat-app.js';
import { DISCORD_TEST_TOKEN } from './helpers/discord-world.js';
import { startDiscordStandin, type DiscordStandin, type StoredMessage } from './standins/discord.js';

interface World {
  discord: DiscordStandin;
  chat: ChatApp;
  bot: DiscordAdapter;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function world(opts: { previewTtlMs?: number; ackBudgetMs?: number; alertsChannel?: string; progressChannel?: string } = {}): Promise<World> {
  const discord = await startDiscordStandin({ channels: ['tributary-ops', 'general'] });
  cleanups.push(() => discord.close());
  const chat = await startChatApp({
    ...(opts.previewTtlMs ? { previewTtlMs: opts.previewTtlMs } : {}),
    config: {
      discord: { token: DISCORD_TEST_TOKEN, apiBase: discord.apiBase },
      roles: { operator: { discordRoleIds: [discord.fixture.roleId('Tributary Operator')] } },
      channels: {
        ...(opts.alertsChannel ? { alerts: { discord: discord.fixture.channelId(opts.alertsChannel) } } : {}),
        ...(opts.progressChannel ? { progress: { discord: opts.progressChannel } } : {}),
      },
    },
  });
  cleanups.push(() => chat.close());
  await registerDiscordCommands(chat.app.config, { guildId: discord.fixture.guild.id });
  const bot = await startDiscord(chat.app, opts.ackBudgetMs !== undefined ? { ackBudgetMs: opts.ackBudgetMs } : {});
  // The bot first: a client whose server vanished keeps trying to reconnect.
  cleanups.push(() => bot.stop());
  return { discord, chat, bot };
}

/** The answer the user sees to an interaction (the reply, or the follow-up that replaced it). */
async function answerTo(discord: DiscordStandin, interactionId: string): Promise<StoredMessage> {
  await discord.waitForAck(interactionId, 10_000);
  return vi.waitFor(
    () => {
      const answer = [...discord.messages.values()].filter((m) => m.interactionId === interactionId && m.deletedAt === undefined && m.current.content !== '').at(-1);
      if (!answer) throw new Error('no answer yet');
      return answer;
    },
    { timeout: 20_000, interval: 20 },
  );
}

function customIds(message: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of message.current.components as { components?: { custom_id?: string; label?: string }[] }[]) {
    for (const c of row.components ?? []) if (c.custom_id && c.label) out[c.label] = c.custom_id;
  }
  return out;
}

const isEphemeral = (m: StoredMessage) => (m.current.flags & MessageFlags.Ephemeral) !== 0;

async function preview(w: World, user = 'alice', channel = 'tributary-ops') {
  const { scenario } = w.chat.harness.net;
  const sent = w.discord.dispatchInteraction({
    name: 'distribute preview',
    options: { token: scenario.baseMint, amount: '1000', reward: scenario.rewardMint },
    user,
    channelId: w.discord.fixture.channelId(channel),
  });
  const answer = await answerTo(w.discord, sent.id);
  const planId = /^\/distribute confirm id:(\w{8})$/m.exec(answer.current.content)?.[1];
  return { sent, answer, planId: planId as string, buttons: customIds(answer) };
}

describe('Discord bot with the real discord.js client', () => {
  it('registers the slash commands by one bulk overwrite, subcommands grouped under their command', async () => {
    const w = await world();
    const registered = w.discord.commands.guilds.get(w.discord.fixture.guild.id) ?? [];
    expect(registered.map((c) => c.name)).toEqual(['alerts', 'config', 'distribute', 'guards', 'health', 'help', 'holders', 'language', 'report', 'rewards', 'schedule', 'wallet']);
    const distribute = registered.find((c) => c.name === 'distribute');
    expect(distribute?.options?.map((o) => o.name).sort()).toEqual(['approve', 'cancel', 'confirm', 'export', 'history', 'pause', 'preview', 'resume', 'retry', 'status']);
    const schedule = registered.find((c) => c.name === 'schedule');
    expect(schedule?.options?.map((o) => o.name).sort()).toEqual(['create', 'delete', 'list', 'pause', 'resume', 'run', 'show', 'skip']);
    expect(w.discord.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
  });

  it('lets a moderator preview, confirm with the button, watch one progress message being edited, and get the summary with the CSV', async () => {
    const w = await world();
    const { answer, planId, buttons } = await preview(w);
    expect(answer.current.content).toContain(`Plan ${planId} (localnet): nothing is sent until it is confirmed.`);
    expect(answer.current.content).toMatch(/Shares: min .+ · median .+ · max /);
    expect(Object.keys(buttons)).toEqual(['Confirm', 'Cancel']);
    expect(isEphemeral(answer)).toBe(false);
    expect(w.chat.sent()).toBe(0);

    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    const confirmed = await answerTo(w.discord, press.id);
    expect(confirmed.current.content).toContain(`Distribution ${planId} confirmed by alice (discord)`);

    const channelId = w.discord.fixture.channelId('tributary-ops');
    const progress = await vi.waitFor(
      () => {
        const m = w.discord.channelMessages(channelId).find((x) => x.origin === 'channel' && x.current.content.includes(`Distribution ${planId}`));
        if (!m?.current.content.includes('Success rate')) throw new Error('no summary yet');
        return m;
      },
      { timeout: 30_000, interval: 50 },
    );
    const versions = progress.history.map((v) => v.content);
    expect(versions[0]).toMatch(/Distribution \w+ · running\n\[░+\] 0%/);
    expect(versions.at(-1)).toMatch(/· completed\n\[█{20}\] \d+\/\d+ paid · 0 failed\nSuccess rate 100%/);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).not.toBe(versions[i - 1]);
    expect(progress.current.attachments.map((a) => a.filename)).toEqual([`tributary-${planId}.csv`]);
    expect(progress.current.attachments[0]?.bytes.toString()).toContain(w.chat.holder.publicKey.toBase58());
    expect(w.chat.sent()).toBeGreaterThan(0);

    // Edits are channel-message edits with the bot token, never through the 15-minute interaction token.
    const edits = w.discord.calls.filter((c) => c.method === 'PATCH' && c.route === '/channels/:channelId/messages/:messageId');
    expect(edits.length).toBe(versions.length - 1);
    expect(edits.every((c) => c.botAuth)).toBe(true);

    const audit = (await w.chat.app.store.ns('audit').get('index:recent')) as string[];
    const entries = (await Promise.all(audit.map((k) => w.chat.app.store.ns('audit').get(k)))) as AuditEntry[];
    expect(entries.map((e) => [e.action, e.outcome, e.planId, e.actor.name])).toEqual([
      ['distribute preview', 'done', planId, 'alice'],
      ['distribute confirm', 'done', planId, 'alice'],
    ]);
  });

  it("answers /help with the right article, and splits an operator's long /help between entries, never inside one", async () => {
    const w = await world();
    const bob = w.discord.dispatchInteraction({ name: 'help', user: 'bob' });
    expect((await answerTo(w.discord, bob.id)).current.content).toMatch(/^You are a holder here\. Commands you may run:/);

    const alice = w.discord.dispatchInteraction({ name: 'help', user: 'alice' });
    await answerTo(w.discord, alice.id);
    const parts = await vi.waitFor(
      () => {
        const found = [...w.discord.messages.values()].filter((m) => m.interactionId === alice.id && m.deletedAt === undefined && m.current.content !== '');
        if (!found.some((m) => m.current.content.includes('Options are name:value'))) throw new Error('not all parts yet');
        return found.map((m) => m.current.content);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]).toMatch(/^You are an operator here\. Commands you may run:/);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2_000);
      // Each part starts with a usage line, and each usage line has its description with it.
      expect(part, part).toMatch(/^(You are|\/)/);
      expect(part.split('\n').at(-1), part).toMatch(/^ {4}\S|^Options are/);
    }
  });

  it('acknowledges every interaction within 3 seconds', async () => {
    const w = await world();
    const { sent } = await preview(w);
    const help = w.discord.dispatchInteraction({ name: 'help', user: 'bob' });
    const health = w.discord.dispatchInteraction({ name: 'health', user: 'alice' });
    await answerTo(w.discord, help.id);
    await answerTo(w.discord, health.id);
    for (const id of [sent.id, help.id, health.id]) {
      const record = w.discord.interactions.get(id);
      expect(record?.responseMs).toBeLessThan(3_000);
    }
  });

  it('refuses a member without the operator role, by button and by command, and sends nothing', async () => {
    const w = await world();
    const { answer, planId, buttons } = await preview(w);

    const pressed = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'bob', messageId: answer.id });
    const refusedPress = await answerTo(w.discord, pressed.id);
    expect(refusedPress.current.content).toBe('✖ this button is for alice; type the command yourself if you mean to run it');
    expect(isEphemeral(refusedPress)).toBe(true);

    const typed = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: planId }, user: 'bob' });
    const refusedTyped = await answerTo(w.discord, typed.id);
    expect(refusedTyped.current.content).toContain('/distribute confirm is for operators');
    expect(isEphemeral(refusedTyped)).toBe(true);

    const preview2 = w.discord.dispatchInteraction({ name: 'distribute preview', options: { token: planId, amount: '1', reward: 'SOL' }, user: 'bob' });
    expect((await answerTo(w.discord, preview2.id)).current.content).toContain('/distribute preview is for operators');

    // Discord's own permissions would let a server Administrator through; the bot's check does not.
    const help = w.discord.dispatchInteraction({ name: 'help', user: 'bob' });
    const helpText = (await answerTo(w.discord, help.id)).current.content;
    expect(helpText).toContain('/rewards');
    expect(helpText).not.toContain('/distribute confirm');

    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);
  });

  it('refuses a forged button, a button pressed in another channel, and a plan confirmed from another channel', async () => {
    const w = await world();
    const { answer, planId, buttons } = await preview(w);
    const general = w.discord.fixture.channelId('general');

    const forged = w.discord.dispatchInteraction({ customId: 'b:0000000000zz', user: 'alice', messageId: answer.id });
    expect((await answerTo(w.discord, forged.id)).current.content).toContain('this button is not one I issued');

    const elsewhere = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id, channelId: general });
    expect((await answerTo(w.discord, elsewhere.id)).current.content).toContain('this button belongs to another chat');

    const typed = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: planId }, user: 'alice', channelId: general });
    expect((await answerTo(w.discord, typed.id)).current.content).toContain(`plan ${planId} was previewed in another chat`);

    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);
  });

  it('refuses to confirm an expired plan, by button or typed, and sends nothing', async () => {
    const w = await world({ previewTtlMs: 1_000 });
    const { answer, planId, buttons } = await preview(w);
    await new Promise((r) => setTimeout(r, 1_200));

    const pressed = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    expect((await answerTo(w.discord, pressed.id)).current.content).toBe('✖ this button has expired; nothing was done');
    const typed = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: planId }, user: 'alice' });
    expect((await answerTo(w.discord, typed.id)).current.content).toContain(`plan ${planId} expired; run /distribute preview again`);
    expect(w.chat.sent()).toBe(0);
  });

  it('lets a holder link a wallet with a real ed25519 signature and see its reward with an explorer link', async () => {
    const w = await world();
    const { answer, buttons } = await preview(w);
    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    await answerTo(w.discord, press.id);
    await w.chat.harness.engine.service.whenIdle();

    const link = w.discord.dispatchInteraction({ name: 'wallet link', user: 'bob' });
    const challenge = await answerTo(w.discord, link.id);
    expect(isEphemeral(challenge)).toBe(true);
    const message = /^(Tributary wallet link \| discord:\d+ \| nonce \w+ \| expires \S+)$/m.exec(challenge.current.content)?.[1] as string;
    expect(message).toBeDefined();
    const address = w.chat.holder.publicKey.toBase58();

    const wrong = w.discord.dispatchInteraction({
      name: 'wallet verify',
      options: { address, signature: bs58.encode(nativeSigner(w.chat.holder)(new TextEncoder().encode(`${message}x`))) },
      user: 'bob',
    });
    expect((await answerTo(w.discord, wrong.id)).current.content).toContain('that signature is not');

    const signature = bs58.encode(nativeSigner(w.chat.holder)(new TextEncoder().encode(message)));
    const verify = w.discord.dispatchInteraction({ name: 'wallet verify', options: { address, signature }, user: 'bob' });
    expect((await answerTo(w.discord, verify.id)).current.content).toContain(`Linked ${address}. You have 1 linked wallet`);

    // A wallet belongs to one user: alice cannot take it over, even with a valid signature of her own message.
    const aliceLink = w.discord.dispatchInteraction({ name: 'wallet link', user: 'alice' });
    const aliceMessage = /^(Tributary wallet link .+)$/m.exec((await answerTo(w.discord, aliceLink.id)).current.content)?.[1] as string;
    const takeover = w.discord.dispatchInteraction({
      name: 'wallet verify',
      options: { address, signature: bs58.encode(nativeSigner(w.chat.holder)(new TextEncoder().encode(aliceMessage))) },
      user: 'alice',
    });
    expect((await answerTo(w.discord, takeover.id)).current.content).toContain('is already linked to another user');

    const rewards = w.discord.dispatchInteraction({ name: 'rewards', user: 'bob' });
    const text = (await answerTo(w.discord, rewards.id)).current.content;
    expect(text).toContain(`${address}:`);
    expect(text).toMatch(/\w{8} · [\d.]+ \S+ · paid · \S+ · https:\/\/explorer\.solana\.com\/tx\/\w{80,90}\?cluster=custom/);

    const audit = (await w.chat.app.store.ns('audit').get('index:recent')) as string[];
    const entries = (await Promise.all(audit.map((k) => w.chat.app.store.ns('audit').get(k)))) as AuditEntry[];
    const verifies = entries.filter((e) => e.action === 'wallet verify');
    expect(verifies.map((e) => [e.actor.name, e.outcome, e.code])).toEqual([
      ['bob', 'refused', 'BAD_SIGNATURE'],
      ['bob', 'done', undefined],
      ['alice', 'refused', 'WALLET_TAKEN'],
    ]);
    // A signature field may hold a pasted secret key by mistake: it never reaches the audit log.
    expect(verifies.every((e) => e.options?.['signature'] === '(given)')).toBe(true);
  });

  it('defers a command that is not ready at once and edits the answer in; an error after a public defer is answered privately', async () => {
    const w = await world({ ackBudgetMs: 0 });
    const { sent, answer, planId } = await preview(w);
    const record = w.discord.interactions.get(sent.id);
    expect(record?.ackType).toBe(5);
    expect(record?.responseMs).toBeLessThan(3_000);
    expect(answer.history.map((v) => v.content)[0]).toBe('');
    expect(answer.current.content).toContain(`/distribute confirm id:${planId}`);

    const refused = w.discord.dispatchInteraction({ name: 'distribute status', options: { id: 'nosuchid' }, user: 'bob' });
    const reply = await answerTo(w.discord, refused.id);
    expect(reply.origin).toBe('followup');
    expect(isEphemeral(reply)).toBe(true);
    expect(reply.current.content).toContain('no distribution or plan with id "nosuchid"');
    const original = w.discord.messages.get(w.discord.interactions.get(refused.id)?.originalMessageId ?? '');
    expect(original?.deletedAt).toBeDefined();
  });

  it('posts ops alerts with their files to the configured alerts channel, and skips a target with no channel', async () => {
    const w = await world({ alertsChannel: 'general' });
    await w.bot.notifier.post('alerts', {
      lines: [msg('alert.now', { value: '91%' })],
      files: [{ name: 'chart.png', bytes: new Uint8Array([1, 2, 3]), contentType: 'image/png' }],
    });
    await w.bot.notifier.post('reports', { lines: [msg('report.noAlerts')] });
    const posted = w.discord.channelMessages(w.discord.fixture.channelId('general'));
    expect(posted.map((m) => [m.current.content, m.current.attachments.map((a) => a.filename)])).toEqual([['now 91%', ['chart.png']]]);
    expect(w.discord.channelMessages(w.discord.fixture.channelId('tributary-ops'))).toEqual([]);
  });

  it('refuses to confirm when the progress channel cannot be reached, says why, and sends nothing', async () => {
    // A progress channel the bot cannot see: Discord answers 404 Unknown Channel.
    const w = await world({ progressChannel: '123456789012345678' });
    const { answer, planId, buttons } = await preview(w);
    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    const refused = await answerTo(w.discord, press.id);
    expect(refused.current.content).toMatch(
      /^✖ I cannot reach the progress channel <#123456789012345678> \(404 Unknown Channel\)\. .*channels\.progress\.discord.*; nothing was sent$/,
    );
    expect(isEphemeral(refused)).toBe(true);
    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);
  });
});
