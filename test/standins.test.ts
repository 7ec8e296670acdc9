/**
 * The stand-ins are only useful if the real libraries accept them: these tests
 * drive the real discord.js client and the real grammY bot against them and
 * check what the stand-ins recorded.
 */
import { once } from 'node:events';
import { createInflate } from 'node:zlib';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Routes,
} from 'discord.js';
import type { ButtonInteraction, ChatInputCommandInteraction, Interaction, TextChannel } from 'discord.js';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api, Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startDiscordStandin } from './standins/discord.js';
import type { DiscordStandin } from './standins/discord.js';
import { startTelegramStandin } from './standins/telegram.js';
import type { TelegramStandin } from './standins/telegram.js';

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

  it('answers a callback later than 3 s (here 100 ms) with 10062 Unknown interaction', async () => {
    const { standin: discord, client: bot } = await loggedIn({ interactionAckTimeoutMs: 100 });
    const received = nextInteraction(bot);
    discord.dispatchInteraction({ name: 'status' });
    const interaction = (await received) as ChatInputCommandInteraction;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const late = await interaction.reply('too late').catch((error: unknown) => error);
    expect(late).toBeInstanceOf(DiscordAPIError);
    expect((late as DiscordAPIError).code).toBe(10062);
  });

  it('registers commands by bulk overwrite and types dispatched options from them; a follow-up after a defer fills the loading message', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    await bot.application?.commands.set(
      [
        {
          name: 'distribute',
          description: 'Reward distributions',
          options: [
            {
              type: ApplicationCommandOptionType.Subcommand,
              name: 'preview',
              description: 'Preview a plan',
              options: [{ type: ApplicationCommandOptionType.Integer, name: 'min', description: 'Minimum holding', required: true }],
            },
          ],
        },
      ],
      discord.fixture.guild.id,
    );
    expect(discord.calls.find((c) => c.method === 'PUT')?.route).toBe('/applications/:appId/guilds/:guildId/commands');
    const registered = discord.commands.guilds.get(discord.fixture.guild.id);
    expect(registered).toHaveLength(1);

    const received = nextInteraction(bot);
    const dispatched = discord.dispatchInteraction({ name: 'distribute preview', options: { min: 10 } });
    const interaction = (await received) as ChatInputCommandInteraction;
    expect(interaction.commandId).toBe((registered![0] as { id: string }).id);
    expect(interaction.options.getInteger('min', true)).toBe(10);

    await interaction.deferReply();
    const followUp = await interaction.followUp({ content: 'Plan ready', files: [new AttachmentBuilder(Buffer.from('{}'), { name: 'plan.json' })] });
    const record = discord.interactions.get(dispatched.id);
    expect(followUp.id).toBe(record?.originalMessageId);
    expect(discord.messages.get(followUp.id)?.current).toMatchObject({ content: 'Plan ready', flags: 0, attachments: [{ filename: 'plan.json' }] });
    expect(record?.followupIds).toEqual([]);
  });

  it('delivers a button click on a bot message; update() edits that message', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const channel = (await bot.channels.fetch(discord.fixture.channelId('tributary-ops'))) as TextChannel;
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('confirm:p-1').setLabel('Confirm').setStyle(ButtonStyle.Success));
    const prompt = await channel.send({ content: 'Confirm plan p-1?', components: [row] });

    const received = nextInteraction(bot);
    const dispatched = discord.dispatchInteraction({ customId: 'confirm:p-1', user: 'alice' });
    const click = (await received) as ButtonInteraction;
    expect(click.isButton()).toBe(true);
    expect(click.message.id).toBe(prompt.id);
    await click.update({ content: 'Plan p-1 confirmed by alice', components: [] });

    expect(discord.interactions.get(dispatched.id)).toMatchObject({ ackType: 7, originalMessageId: prompt.id });
    expect(discord.messages.get(prompt.id)?.history.map((v) => [v.content, v.components.length])).toEqual([
      ['Confirm plan p-1?', 1],
      ['Plan p-1 confirmed by alice', 0],
    ]);
  });

  it('refuses a second callback for the same interaction with 40060', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const received = nextInteraction(bot);
    const dispatched = discord.dispatchInteraction({ name: 'status' });
    const interaction = (await received) as ChatInputCommandInteraction;
    await interaction.reply({ content: 'Status report', files: [new AttachmentBuilder(Buffer.from('ok'), { name: 'status.txt' })] });
    expect(discord.calls.find((c) => c.interactionId === dispatched.id)?.files.map((f) => f.filename)).toEqual(['status.txt']);

    // discord.js itself refuses a second reply, so go through its REST client as a careless adapter might.
    const again = await bot.rest
      .post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 4, data: { content: 'again' } }, auth: false })
      .catch((error: unknown) => error);
    expect((again as DiscordAPIError).code).toBe(40060);
  });

  it('delivers a DM interaction; the reply and a user.send() land in the DM channel', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    const received = nextInteraction(bot);
    discord.dispatchInteraction({ name: 'balance', guildId: null, user: 'bob' });
    const interaction = (await received) as ChatInputCommandInteraction;
    expect(interaction.inGuild()).toBe(false);
    await interaction.reply('You received 12.5 TRIB');
    await interaction.user.send('Paid: 12.5 TRIB');

    const dm = discord.fixture.dms.get(discord.fixture.member('bob').user.id);
    expect(discord.channelMessages(dm?.id ?? '').map((m) => m.current.content)).toEqual(['You received 12.5 TRIB', 'Paid: 12.5 TRIB']);
  });

  it('lets discord.js resume after the gateway drops the connection', async () => {
    const { standin: discord, client: bot } = await loggedIn();
    discord.disconnectGateway();
    await vi.waitFor(() => expect(discord.gatewayPayloads.some((p) => p.op === 6) && discord.gatewaySessions() === 1).toBe(true), { timeout: 5_000 });
    const received = nextInteraction(bot);
    discord.dispatchInteraction({ name: 'status' });
    expect((await received).isChatInputCommand()).toBe(true);
  });

  it('compresses gateway payloads when a client asks for zlib-stream', async () => {
    standin = await startDiscordStandin();
    const socket = new WebSocket(`${standin.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = createInflate();
    const hello = new Promise<unknown>((resolve) => inflate.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')))));
    socket.on('message', (data: Buffer) => inflate.write(data));
    expect(await hello).toMatchObject({ op: 10, d: { heartbeat_interval: 41_250 } });
    socket.close();
    inflate.close();
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

describe('Telegram stand-in with the real grammY bot', () => {
  let standin: TelegramStandin | undefined;
  let bot: Bot | undefined;
  let polling: Promise<void> | undefined;

  afterEach(async () => {
    if (bot?.isRunning()) await bot.stop();
    await polling;
    await standin?.close();
    bot = undefined;
    polling = undefined;
    standin = undefined;
  });

  async function started(setup: (b: Bot) => void): Promise<{ standin: TelegramStandin; bot: Bot }> {
    standin = await startTelegramStandin();
    bot = new Bot(standin.token, { client: { apiRoot: standin.apiRoot }, botInfo: standin.botInfo });
    setup(bot);
    const onStart = new Promise<void>((resolve) => {
      polling = bot?.start({ onStart: () => resolve() });
    });
    await onStart;
    return { standin, bot };
  }

  it('long-polls a command and a button press; replies, edits, refuses an identical edit, uploads a document', async () => {
    const keyboard = new InlineKeyboard().text('Refresh', 'refresh');
    let identicalEdit: unknown;
    const { standin: telegram } = await started((b) => {
      b.command('status', (ctx) => ctx.reply('<b>Status</b>: idle', { parse_mode: 'HTML', reply_markup: keyboard }));
      b.callbackQuery('refresh', async (ctx) => {
        await ctx.answerCallbackQuery({ text: 'Refreshing' });
        await ctx.editMessageText('<b>Status</b>: running', { parse_mode: 'HTML', reply_markup: keyboard });
        identicalEdit = await ctx.editMessageText('<b>Status</b>: running', { parse_mode: 'HTML', reply_markup: keyboard }).catch((error: unknown) => error);
        await ctx.replyWithDocument(new InputFile(Buffer.from('wallet,amount\nA,1\n'), 'report.csv'), { caption: 'Daily report' });
      });
    });

    telegram.sendText({ text: '/status', from: 'alice' });
    const reply = await telegram.waitForCall((c) => c.method === 'sendMessage' && c.ok);
    expect(reply.params).toMatchObject({
      chat_id: telegram.fixture.group.id,
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Refresh', callback_data: 'refresh' }]] },
    });
    const status = telegram.messagesIn().find((m) => m.fromBot);
    expect(status?.current.renderedText).toBe('Status: idle');

    telegram.pressButton({ messageId: status?.messageId ?? 0, data: 'refresh', from: 'alice' });
    const upload = await telegram.waitForCall((c) => c.method === 'sendDocument');
    expect(upload.ok).toBe(true);

    expect(status?.history.map((v) => v.renderedText)).toEqual(['Status: idle', 'Status: running']);
    expect(identicalEdit).toBeInstanceOf(GrammyError);
    expect((identicalEdit as GrammyError).error_code).toBe(400);
    expect((identicalEdit as GrammyError).description).toContain('message is not modified');
    expect([...telegram.callbackQueries.values()][0]?.answer).toEqual({ text: 'Refreshing' });
    expect(telegram.documents.map((d) => [d.filename, d.bytes?.toString(), d.caption])).toEqual([['report.csv', 'wallet,amount\nA,1\n', 'Daily report']]);
  });

  it('stops cleanly: the held long poll ends and the handled update is confirmed', async () => {
    let handled!: () => void;
    const seen = new Promise<void>((resolve) => (handled = resolve));
    const { standin: telegram, bot: b } = await started((setup) => setup.on('message:text', () => handled()));
    telegram.sendText({ text: 'hello' });
    await seen;
    // Let grammY go back to a held getUpdates, so that stop() has a poll to abort.
    await vi.waitFor(() => expect(telegram.isPolling()).toBe(true), { timeout: 10_000 });
    await b.stop();
    await polling;

    const last = telegram.calls.filter((c) => c.method === 'getUpdates').at(-1);
    expect(last?.params).toMatchObject({ offset: (telegram.updates[0]?.update_id ?? 0) + 1, limit: 1 });
    expect(telegram.isPolling()).toBe(false);
  });

  it('keeps updates until an offset above their id confirms them', async () => {
    standin = await startTelegramStandin();
    const api = new Api(standin.token, { apiRoot: standin.apiRoot });
    const first = standin.sendText({ text: 'one' });
    const second = standin.sendText({ text: 'two' });

    expect((await api.getUpdates()).map((u) => u.update_id)).toEqual([first.update_id, second.update_id]);
    expect((await api.getUpdates({ offset: second.update_id })).map((u) => u.update_id)).toEqual([second.update_id]);
    expect(await api.getUpdates({ offset: second.update_id + 1, timeout: 0 })).toEqual([]);
    const held = api.getUpdates({ timeout: 5 });
    await vi.waitFor(() => expect(standin?.isPolling()).toBe(true), { timeout: 10_000 });
    const third = standin.sendText({ text: '/status@tributary_test_bot now', from: 'bob' });
    const [delivered] = await held;
    expect(delivered?.update_id).toBe(third.update_id);
    expect(delivered?.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 26 }]);
  });

  it('reports group admins and members, keeps commands, deletes messages', async () => {
    standin = await startTelegramStandin();
    const api = new Api(standin.token, { apiRoot: standin.apiRoot });
    const groupId = standin.fixture.group.id;

    const admins = await api.getChatAdministrators(groupId);
    expect(admins.map((m) => [m.user.username, m.status]).sort()).toEqual([
      ['alice', 'administrator'],
      ['group_owner', 'creator'],
      ['tributary_test_bot', 'administrator'],
    ]);
    expect((await api.getChatMember(groupId, standin.fixture.user('bob').id)).status).toBe('member');

    await api.setMyCommands([{ command: 'distribute', description: 'Preview and run a distribution' }]);
    expect(await api.getMyCommands()).toEqual([{ command: 'distribute', description: 'Preview and run a distribution' }]);
    const refused = await api.setMyCommands([{ command: 'Distribute!', description: 'x' }]).catch((error: unknown) => error);
    expect((refused as GrammyError).description).toBe('Bad Request: BOT_COMMAND_INVALID');

    const sent = await api.sendMessage(groupId, 'temporary');
    await api.deleteMessage(groupId, sent.message_id);
    expect(standin.messagesIn(groupId)).toEqual([]);
    const again = await api.deleteMessage(groupId, sent.message_id).catch((error: unknown) => error);
    expect((again as GrammyError).description).toBe('Bad Request: message to delete not found');
  });

  it('answers 401 for a wrong token and 429 with retry_after, which auto-retry waits out', async () => {
    standin = await startTelegramStandin();
    const wrong = new Api('7000000001:wrong', { apiRoot: standin.apiRoot });
    const refused = await wrong.getMe().catch((error: unknown) => error);
    expect((refused as GrammyError).error_code).toBe(401);

    const api = new Api(standin.token, { apiRoot: standin.apiRoot });
    api.config.use(autoRetry());
    standin.rateLimitNext({ method: 'sendMessage', retryAfterSec: 0.3 });
    await api.sendMessage(standin.fixture.group.id, 'after the limit');
    const sends = standin.calls.filter((c) => c.method === 'sendMessage');
    expect(sends.map((c) => c.status)).toEqual([429, 200]);
    expect((sends[1]?.at ?? 0) - (sends[0]?.answeredAt ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it('refuses what Telegram refuses: bad HTML, long callback data, writing first to a user', async () => {
    standin = await startTelegramStandin();
    const api = new Api(standin.token, { apiRoot: standin.apiRoot });
    const groupId = standin.fixture.group.id;
    const descriptions = await Promise.all(
      [
        api.sendMessage(groupId, 'paid 5 < 6', { parse_mode: 'HTML' }),
        api.sendMessage(groupId, 'x', { reply_markup: new InlineKeyboard().text('Confirm', 'c'.repeat(65)) }),
        api.sendMessage(standin.fixture.user('bob').id, 'hi'),
      ].map((p) =>
        p.then(
          () => 'accepted',
          (error: unknown) => (error as GrammyError).description,
        ),
      ),
    );
    expect(descriptions).toEqual([
      expect.stringContaining("Bad Request: can't parse entities"),
      'Bad Request: BUTTON_DATA_INVALID',
      "Forbidden: bot can't initiate conversation with a user",
    ]);
  });
});
