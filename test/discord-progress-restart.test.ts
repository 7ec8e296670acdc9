/**
 * A bot that stops between posting a distribution's progress message and storing its id: the
 * restarted bot posts again with the same nonce and `enforce_nonce`, and Discord (here the stand-in)
 * hands back the first message, which is then edited on. Real discord.js against the stand-in.
 */
import { Client, GatewayIntentBits } from 'discord.js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordProgress } from '../src/platforms/discord/progress.js';
import { DISCORD_TEST_TOKEN } from './helpers/discord-world.js';
import { startDiscordStandin, type DiscordStandin } from './standins/discord.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function loggedIn(discord: DiscordStandin): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
  cleanups.push(() => client.destroy());
  await client.login(DISCORD_TEST_TOKEN);
  return client;
}

describe('the progress message after a restart that lost its id', () => {
  it('is the same message, edited on; another distribution, or a deleted message, gets a new one', async () => {
    const discord = await startDiscordStandin({ channels: ['tributary-ops'] });
    cleanups.push(() => discord.close());
    const ops = discord.fixture.channelId('tributary-ops');
    const place = { platform: 'discord', target: ops, locale: 'en' as const };
    const logger = pino({ level: 'silent' });
    const visible = () => [...discord.messages.values()].filter((m) => m.channelId === ops && m.deletedAt === undefined);

    const first = await loggedIn(discord);
    const before = new DiscordProgress(() => first, 'dist-a', place, undefined, logger);
    await before.update('Distribution dist-a · running · 10%');
    const posted = before.where().messageId;
    expect(posted).toBeDefined();
    // The process stops here: the id was never stored. A new process, a new client.
    await first.destroy();

    const second = await loggedIn(discord);
    const after = new DiscordProgress(() => second, 'dist-a', { ...place }, undefined, logger);
    await after.update('Distribution dist-a · running · 60%');
    expect(after.where().messageId).toBe(posted);
    expect(visible().map((m) => m.current.content)).toEqual(['Distribution dist-a · running · 60%']);
    await after.finish('Distribution dist-a · completed', []);
    expect(visible().map((m) => m.current.content)).toEqual(['Distribution dist-a · completed']);

    const other = new DiscordProgress(() => second, 'dist-b', { ...place }, undefined, logger);
    await other.update('Distribution dist-b · running · 0%');
    expect(other.where().messageId).not.toBe(posted);
    expect(visible()).toHaveLength(2);

    // Someone deletes dist-b's message: the next edit posts a new one, not the deleted one again.
    const deleted = discord.messages.get(other.where().messageId as string);
    if (deleted) deleted.deletedAt = Date.now();
    await other.update('Distribution dist-b · running · 30%');
    expect(other.where().messageId).not.toBe(deleted?.id);
    expect(visible().map((m) => m.current.content)).toEqual(['Distribution dist-a · completed', 'Distribution dist-b · running · 30%']);
  });
});
