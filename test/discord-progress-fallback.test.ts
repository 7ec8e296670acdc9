/**
 * The outcome of a distribution reaches the operator when the bot may not post in the channel
 *, with the real discord.js client against the stand-in answering 403 50013:
 * the confirm checks the bot's permissions first and names what is missing; if posting fails
 * later, the progress, the summary and the CSV go on in the command's follow-up, then in a DM.
 */
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerTo, discordWorld, isEphemeral, previewPlan, type DiscordWorld } from './helpers/discord-world.js';
import type { StoredMessage } from './standins/discord.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** The message (anywhere) whose text shows the summary of `planId`. */
async function summaryOf(w: DiscordWorld, planId: string): Promise<StoredMessage> {
  return vi.waitFor(
    () => {
      const m = [...w.discord.messages.values()].find((x) => x.current.content.includes(`Distribution ${planId} · completed`) && x.current.content.includes('Success rate'));
      if (!m) throw new Error('no summary yet');
      return m;
    },
    { timeout: 30_000, interval: 50 },
  );
}

describe('progress when Discord refuses the channel', () => {
  it('refuses to confirm in a channel where the bot may not post, naming the missing permissions', async () => {
    const w = await discordWorld(cleanups);
    const { answer, planId, buttons } = await previewPlan(w);
    const ops = w.discord.fixture.channelId('tributary-ops');
    w.discord.denyBot(ops, PermissionFlagsBits.SendMessages | PermissionFlagsBits.AttachFiles);

    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    const refused = await answerTo(w.discord, press.id);
    expect(refused.current.content).toBe(
      `✖ I cannot post the progress message in <#${ops}>: the bot lacks Send Messages, Attach Files there. A server admin can allow them for the bot in that channel's permissions, or set channels.progress.discord to a channel where the bot may post; nothing was sent`,
    );
    expect(isEphemeral(refused)).toBe(true);
    const typed = w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: planId }, user: 'alice' });
    expect((await answerTo(w.discord, typed.id)).current.content).toContain('the bot lacks Send Messages, Attach Files there');
    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
    expect(w.chat.sent()).toBe(0);
  });

  it('checks the configured progress channel, not only the one the command came from', async () => {
    const w = await discordWorld(cleanups, { config: {} });
    const general = w.discord.fixture.channelId('general');
    w.chat.app.config.channels.progress.discord = general;
    w.discord.denyBot(general, PermissionFlagsBits.ViewChannel);
    const { answer, planId, buttons } = await previewPlan(w);
    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    expect((await answerTo(w.discord, press.id)).current.content).toContain(
      `I cannot post the progress message in <#${general}>: the bot lacks View Channel there. A server admin can allow it`,
    );
    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('previewed');
  });

  it('goes on in the follow-up of the confirm when channel posts start failing with 403 50013 after the check', async () => {
    const w = await discordWorld(cleanups);
    const { answer, planId, buttons } = await previewPlan(w);
    const ops = w.discord.fixture.channelId('tributary-ops');
    // The permission changes after the bot looked: the check passes, every post is refused.
    w.discord.denyBot(ops, PermissionFlagsBits.SendMessages, { announce: false });

    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    await w.discord.waitForAck(press.id);
    const summary = await summaryOf(w, planId);
    const answers = [...w.discord.messages.values()].filter((m) => m.interactionId === press.id).map((m) => m.current.content);
    expect(answers[0]).toContain(`Distribution ${planId} confirmed by alice`);
    expect(summary.origin).toBe('followup');
    expect(summary.interactionId).toBe(press.id);
    expect(summary.current.content).toMatch(new RegExp(`^Shown here because I cannot post in <#${ops}> \\(403 Missing Permissions\\)\\.\\nDistribution ${planId} · completed`));
    expect(summary.current.attachments.map((a) => a.filename)).toEqual([`tributary-${planId}.csv`]);
    expect(summary.current.attachments[0]?.bytes.toString()).toContain(w.chat.holder.publicKey.toBase58());
    // Progress was shown there before the summary, and the channel got nothing.
    expect(summary.history[0]?.content).toContain(`Distribution ${planId} · running`);
    expect(w.discord.calls.some((c) => c.method === 'POST' && c.path === `/channels/${ops}/messages` && c.status === 403)).toBe(true);
    expect(w.discord.channelMessages(ops).filter((m) => m.origin === 'channel')).toEqual([]);
    expect((await w.chat.harness.engine.service.status(planId)).record.state).toBe('completed');
  });

  it('sends progress, summary and CSV to the operator by DM when the follow-up cannot carry them', async () => {
    // Follow-ups unusable (as 15 minutes after the command): the DM is the last resort.
    const w = await discordWorld(cleanups, { adapter: { interactionTokenTtlMs: 0 } });
    const { answer, planId, buttons } = await previewPlan(w);
    const ops = w.discord.fixture.channelId('tributary-ops');
    w.discord.denyBot(ops, PermissionFlagsBits.SendMessages, { announce: false });

    const press = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'alice', messageId: answer.id });
    await answerTo(w.discord, press.id);
    const summary = await summaryOf(w, planId);
    const dm = w.discord.fixture.dms.get(w.discord.fixture.member('alice').user.id);
    expect(dm).toBeDefined();
    expect(summary.channelId).toBe(dm?.id);
    expect(summary.origin).toBe('channel');
    expect(summary.current.content).toMatch(new RegExp(`^Shown here because I cannot post in <#${ops}> \\(403 Missing Permissions\\)\\.\\nDistribution ${planId} · completed`));
    expect(summary.current.attachments.map((a) => a.filename)).toEqual([`tributary-${planId}.csv`]);
  });
});
