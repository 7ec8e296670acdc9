/**
 * The stand-ins are only useful if the real libraries accept them: these tests
 * drive the real discord.js client and the real grammY bot against them and
 * check what the stand-ins recorded.
 */
import { once } from 'node:events';
import { AttachmentBuilder, Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import type { ChatInputCommandInteraction, Interaction, TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordStandin } from './standins/discord.js';
import type { DiscordStandin } from './standins/discord.js';

describe('Discord stand-in with the real discord.js client', () => {
  let standin: DiscordStandin | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    // The client first: a client whose server vanished keeps trying to reconnect.
    await client?.destroy();
    await standin?.close();
    client = undefined;
    standin = undefined;
  });

  async function loggedIn(options: Parameters<typeof startDiscordStandin>[0] = {}): Promise<{ standin: DiscordStandin; client: Client }> {
    standin = await startDiscordStandin(options);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: standin.apiBase } });
    const ready = once(client, Events.ClientReady);
    await client.login('stand-in-token');
    await ready;
    return { standin, client };
  }

  function nextInteraction(c: Client): Promise<Interaction> {
    return new Promise((resolve) => c.once(Events.InteractionCreate, resolve));
  }

  it('logs in, receives the guild with its roles, channels and members', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const { fixture } = discord;

    expect(bot.user?.id).toBe(fixture.bot.id);
    expect(bot.application?.id).toBe(fixture.applicationId);
    const guild = bot.guilds.cache.get(fixture.guild.id);
    expect(guild?.available).toBe(true);
    expect(guild?.roles.cache.get(fixture.roleId('Tributary Operator'))?.name).toBe('Tributary Operator');
    expect(guild?.channels.cache.get(fixture.channelId('tributary-ops'))?.isTextBased()).toBe(true);
    expect(guild?.members.cache.get(fixture.member('alice').user.id)?.roles.cache.has(fixture.roleId('Tributary Operator'))).toBe(true);

    expect(discord.calls.map((c) => `${c.method} ${c.route}`)).toContain('GET /gateway/bot');
    const identify = discord.gatewayPayloads.find((p) => p.op === 2);
    expect(identify?.d).toMatchObject({ token: '[accepted]', intents: GatewayIntentBits.Guilds });
    expect(discord.gatewaySessions()).toBe(1);
  });

  it('delivers a slash command; deferReply and editReply reach the interaction callback and webhook', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const received = nextInteraction(bot);
    const dispatched = discord.dispatchInteraction({ name: 'distribute preview', options: { amount: '1000', mode: 'proportional' }, user: 'alice' });

    const interaction = (await received) as ChatInputCommandInteraction;
    expect(interaction.isChatInputCommand()).toBe(true);
    expect(interaction.commandName).toBe('distribute');
    expect(interaction.options.getSubcommand()).toBe('preview');
    expect(interaction.options.getString('amount')).toBe('1000');
    expect(interaction.member?.user.id).toBe(discord.fixture.member('alice').user.id);
    expect(interaction.inCachedGuild() && interaction.member.roles.cache.has(discord.fixture.roleId('Tributary Operator'))).toBe(true);

    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await interaction.editReply({ content: 'Plan p-1: 3 recipients, 1000 total' });

    const ack = await discord.waitForAck(dispatched.id);
    expect(ack.ackType).toBe(5);
    expect(ack.ephemeral).toBe(true);
    expect(ack.responseMs).toBeLessThan(3_000);

    const original = discord.messages.get(ack.originalMessageId ?? '');
    expect(original?.history.map((v) => v.content)).toEqual(['', 'Plan p-1: 3 recipients, 1000 total']);
    expect(original?.current.flags).toBe(MessageFlags.Ephemeral);
    const edit = discord.calls.find((c) => c.route === '/webhooks/:appId/:token/messages/:messageId' && c.method === 'PATCH');
    expect(edit).toMatchObject({ status: 200, botAuth: false, interactionId: dispatched.id, json: { content: 'Plan p-1: 3 recipients, 1000 total' } });
  });

  it('sends and edits a channel message with an attachment, recording filenames and bytes', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const channel = (await bot.channels.fetch(discord.fixture.channelId('tributary-ops'))) as TextChannel;

    const csv = Buffer.from('wallet,amount\nA,1\n');
    const sent = await channel.send({ content: 'Distribution d-1: 0%', files: [new AttachmentBuilder(csv, { name: 'plan.csv' })] });
    await sent.edit({ content: 'Distribution d-1: 100%' });

    const post = discord.calls.find((c) => c.method === 'POST' && c.route === '/channels/:channelId/messages');
    expect(post?.botAuth).toBe(true);
    expect(post?.files.map((f) => [f.field, f.filename, f.bytes.toString()])).toEqual([['files[0]', 'plan.csv', csv.toString()]]);

    const stored = discord.messages.get(sent.id);
    expect(stored?.history.map((v) => v.content)).toEqual(['Distribution d-1: 0%', 'Distribution d-1: 100%']);
    expect(stored?.current.attachments.map((a) => a.filename)).toEqual(['plan.csv']);
    expect(sent.attachments.first()?.name).toBe('plan.csv');
  });

  it('answers like Discord when a callback is late or repeated', async () => {
    const { standin: discord, client: bot } = await loggedIn({ interactionAckTimeoutMs: 100 });
    const received = nextInteraction(bot);
    discord.dispatchInteraction({ name: 'status' });
    const interaction = (await received) as ChatInputCommandInteraction;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const late = await interaction.reply('too late').catch((error: unknown) => error);
    expect(late).toBeInstanceOf(DiscordAPIError);
    expect((late as DiscordAPIError).code).toBe(10062);
  });

  it('makes discord.js wait out a 429 before retrying', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const channel = (await bot.channels.fetch(discord.fixture.channelId('tributary-ops'))) as TextChannel;
    discord.rateLimitNext({ route: '/channels/:channelId/messages', method: 'POST', retryAfterMs: 300 });

    await channel.send('after the limit');
    const posts = discord.calls.filter((c) => c.method === 'POST' && c.route === '/channels/:channelId/messages');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    const [limited, retried] = posts;
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(300);
  });
});
