/**
 * The Discord bot: gateway events in, command calls out, replies back. It only translates; what a
 * command does, who may run it and what the reply says is decided in src/chat and commands/.
 *
 * Discord drops an interaction that is not answered within 3 s. A reply that is ready within
 * `ackBudgetMs` is sent as the answer itself; a slower one is deferred at that point and the answer
 * edited in when it is ready. A button that did its command is answered by disabling the buttons
 * of its message, and the command's reply follows.
 *
 * Connecting is a loop of its own (../link.ts): while Discord cannot be reached the adapter says so
 * in the log and in /healthz and tries again with backoff, with a new client each time (a client
 * whose login failed is destroyed); the rest of the process runs meanwhile.
 */
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { ActionRowBuilder, ButtonBuilder, ChannelType, Client, ComponentType, DiscordjsErrorCodes, Events, GatewayIntentBits, MessageFlags, PermissionFlagsBits } from 'discord.js';
import type {
  APIInteractionGuildMember,
  ButtonComponent,
  ButtonInteraction,
  ChatInputCommandInteraction,
  CommandInteractionOption,
  GuildMember,
  Interaction,
  PermissionsBitField,
} from 'discord.js';
import type { ChatServices } from '../../chat/services.js';
import { ProgressHub, type ProgressPlace } from '../../chat/progress.js';
import { channelPosts } from '../../chat/channel-posts.js';
import { discordChannelPoster } from './channel-poster.js';
import { resolveRole } from '../../chat/roles.js';
import type { RawOptions } from '../../chat/options.js';
import { chatRuntime, type CallerSource, type DispatchResult } from '../../chat/runtime.js';
import { progressLocale } from '../../chat/languages.js';
import { listParam, localeOf, msg, t, type Locale, type Message } from '../../i18n/index.js';
import type { Role } from '../../chat/types.js';
import type { OpsNotifier } from '../../monitor/notifier.js';
import { PlatformLink } from '../link.js';
import { payloads } from './messages.js';
import { discordNotifier } from './notifier.js';
import { DiscordProgress, discordRefusal, type LiveInteraction } from './progress.js';

export interface DiscordAdapterOptions {
  /**
   * How long a command may take before the interaction is deferred; 0 defers every one. Default
   * 800 ms: Discord allows 3000, but a busy machine fires the timer late, and the operator should
   * see the bot working within a second (docs/targets.md).
   */
  ackBudgetMs?: number;
  /** How long start waits for the first connection before going on (it keeps trying). Default 5000 ms. */
  firstConnectWaitMs?: number;
  /** First wait between connection attempts, doubling to a minute. Default 1000 ms. */
  reconnectBaseMs?: number;
  /** How long a command's follow-ups can carry its progress when the channel refuses. Default 15 minutes, Discord's. */
  interactionTokenTtlMs?: number;
}

export interface DiscordAdapter {
  stop(): Promise<void>;
  notifier: OpsNotifier;
  /** Resolves once connected to the gateway; rejects if Discord refused the token. */
  ready: Promise<void>;
}

type Replyable = ChatInputCommandInteraction | ButtonInteraction;

const DISCORD_API = 'https://discord.com/api';

/** What the bot needs in the channel of a progress message: see it, post in it, attach the CSV. */
const PROGRESS_PERMISSIONS: ReadonlyArray<[bigint, Message]> = [
  [PermissionFlagsBits.ViewChannel, msg('discord.permission.viewChannel')],
  [PermissionFlagsBits.SendMessages, msg('discord.permission.sendMessages')],
  [PermissionFlagsBits.AttachFiles, msg('discord.permission.attachFiles')],
];

export async function startDiscord(app: ChatServices, opts: DiscordAdapterOptions = {}): Promise<DiscordAdapter> {
  const { config } = app;
  const token = config.discord.token;
  if (!token) throw new Error('the Discord adapter needs a bot token: set DISCORD_TOKEN');
  const logger = app.logger.child({ component: 'discord' });
  const ackBudgetMs = opts.ackBudgetMs ?? 800;
  const runtime = await chatRuntime(app);
  const inFlight = new Set<Promise<void>>();
  let client = newClient();
  /** Whether `client` has been logged in (or tried to): such a client is replaced, not reused. */
  let clientUsed = false;
  const current = () => client;
  const hub = new ProgressHub<LiveInteraction>(app, logger, {
    platform: 'discord',
    open: (place, live, distributionId) => new DiscordProgress(current, distributionId, place, live, logger, opts.interactionTokenTtlMs),
  });

  function newClient(): Client {
    const c = new Client({ intents: [GatewayIntentBits.Guilds], ...(config.discord.apiBase ? { rest: { api: config.discord.apiBase } } : {}) });
    c.on(Events.InteractionCreate, (interaction) => {
      const work = handle(interaction)
        .catch((err: unknown) => logger.error({ err, interactionId: interaction.id }, 'interaction not answered'))
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
    c.on(Events.Error, (err) => logger.warn({ err }, 'discord client error'));
    // The gateway gave up on this session for good: a new client logs in again.
    c.on(Events.Invalidated, () => link.lost(new Error('the gateway invalidated the session')));
    return c;
  }

  const link = new PlatformLink({
    platform: 'Discord',
    endpoint: config.discord.apiBase ?? DISCORD_API,
    logger,
    baseDelayMs: opts.reconnectBaseMs ?? 1_000,
    refusal: (err) => ((err as { code?: unknown }).code === DiscordjsErrorCodes.TokenInvalid ? 'Discord refused the bot token (401): check DISCORD_TOKEN' : null),
    async connect(signal) {
      if (clientUsed) {
        // A client that was logged in before (and lost its session, or failed) is not reused.
        await client.destroy().catch(() => undefined);
        client = newClient();
      }
      const c = client;
      clientUsed = true;
      const ready = once(c, Events.ClientReady, { signal });
      ready.catch(() => undefined);
      await c.login(token);
      if (!c.isReady()) await ready;
      return `gateway connected as ${c.user?.username ?? 'the bot'}`;
    },
  });
  // Registered before the first attempt: /healthz says 503 while Discord cannot be reached.
  app.monitoring?.addHealthCheck('discord', async () => {
    const state = link.health();
    if (!state.ok) return state;
    return client.isReady() ? { ok: true, detail: `gateway ping ${client.ws.ping} ms` } : { ok: false, detail: 'not connected to the gateway' };
  });
  void link.ready
    .then(
      async () => {
        logger.info({ user: client.user?.username }, 'discord bot ready');
        await hub.resumeFollowing();
      },
      () => undefined,
    )
    .catch((err: unknown) => logger.warn({ err }, 'progress of distributions run before the restart not resumed'));
  await link.start(opts.firstConnectWaitMs ?? 5_000);

  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const name = [interaction.commandName, interaction.options.getSubcommandGroup(false), interaction.options.getSubcommand(false)].filter(Boolean).join(' ');
      const source = callerOf(interaction);
      const refusal = dmRefusal(interaction, name);
      const pending = refusal ? Promise.resolve(refusal) : runtime.run(name, leafOptions(interaction.options.data), [], source).then((r) => inDmTerms(interaction, r));
      await respond(interaction, pending, runtime.isEphemeral(name));
    } else if (interaction.isButton()) {
      await respondToPress(
        interaction,
        runtime.press(interaction.customId, callerOf(interaction)).then((r) => inDmTerms(interaction, r)),
      );
    }
  }

  function callerOf(interaction: Replyable): CallerSource {
    const user = interaction.user;
    return {
      actor: { platform: 'discord', userId: user.id, name: user.globalName ?? user.username },
      chat: { platform: 'discord', id: interaction.channelId },
      locale: interaction.locale,
      role: () => resolveRole(config, { platform: 'discord', userId: user.id, roleIds: roleIdsOf(interaction.member) }),
      progressProblem: () => progressProblem(interaction),
    };
  }

  /**
   * Whether the bot may post the progress message where it goes (the configured progress channel,
   * else the command's channel): checked before a run starts, so an outcome is never lost to a
   * channel that refuses every post (403 Missing Permissions).
   */
  async function progressProblem(interaction: Replyable): Promise<Message | null> {
    const target = config.channels.progress.discord ?? interaction.channelId;
    let permissions: Readonly<PermissionsBitField> | null = null;
    if (target === interaction.channelId) {
      // A DM with the bot: it may always write there.
      if (!interaction.inGuild()) return null;
      permissions = interaction.appPermissions;
    } else {
      try {
        const channel = await client.channels.fetch(target);
        if (channel && channel.type !== ChannelType.DM && 'permissionsFor' in channel) {
          const me = channel.guild.members.me ?? (await channel.guild.members.fetchMe());
          permissions = channel.permissionsFor(me);
        } else if (!channel?.isSendable()) {
          return msg('reply.progressNotChannel', { channel: target });
        }
      } catch (err) {
        return msg('reply.progressUnreachable', { channel: target, error: discordRefusal(err) });
      }
    }
    if (!permissions) return null;
    const missing = PROGRESS_PERMISSIONS.filter(([bit]) => !permissions.has(bit)).map(([, label]) => label);
    if (missing.length === 0) return null;
    return msg('reply.progressPermissions', { channel: target, missing: listParam(missing, { short: true }), count: missing.length });
  }

  /** Commands that start payments run in servers only, unless config allows DMs (see register.ts). */
  function dmRefusal(interaction: ChatInputCommandInteraction, name: string): DispatchResult | null {
    if (interaction.inGuild() || config.discord.allowMoneyCommandsInDMs) return null;
    const command = runtime.commands.find((c) => c.name === name);
    if (!command?.movesMoney) return null;
    return {
      command: name,
      outcome: 'refused',
      code: 'MONEY_IN_DM',
      reply: { text: t(localeOf(interaction.locale) ?? config.language, 'reply.moneyInDm', { command: name }), ephemeral: true },
    };
  }

  /**
   * In a DM Discord sends no member, so a user who operates through a server role is a holder here:
   * say that roles do not apply in DMs rather than "an admin can add you".
   */
  async function inDmTerms(interaction: Replyable, result: DispatchResult): Promise<DispatchResult> {
    if (interaction.inGuild() || result.outcome !== 'refused') return result;
    const needed: Role | null = result.code === 'RequireOperator' ? 'operator' : result.code === 'RequireAdmin' ? 'admin' : null;
    if (needed === null || !(await matchedByServerRole(interaction.user.id, needed))) return result;
    return {
      ...result,
      reply: { ...result.reply, text: t(result.locale ?? config.language, 'reply.roleInDm', { command: result.command ?? '', role: msg(`unit.roleName.${needed}`), key: needed }) },
    };
  }

  /** Whether the user holds, in a server the bot is in, a role the config gives `role` (or above). */
  async function matchedByServerRole(userId: string, role: Role): Promise<boolean> {
    const wanted = new Set([...config.roles.admin.discordRoleIds, ...(role === 'operator' ? config.roles.operator.discordRoleIds : [])]);
    if (wanted.size === 0) return false;
    for (const guild of client.guilds.cache.values()) {
      const member = await guild.members.fetch(userId).catch(() => null);
      if (member && member.roles.cache.some((r) => wanted.has(r.id))) return true;
    }
    return false;
  }

  async function respond(interaction: ChatInputCommandInteraction, pending: Promise<DispatchResult>, ephemeralHint: boolean): Promise<void> {
    const work = settled(pending);
    const early = await withinBudget(work);
    if (early) {
      await send(interaction, early, null);
      return;
    }
    await interaction.deferReply(ephemeralHint ? { flags: MessageFlags.Ephemeral } : {});
    await send(interaction, await work, ephemeralHint);
  }

  /**
   * A pressed button. Done: the answer disables the buttons of its message (as Telegram's keyboard
   * is taken off), and the reply follows. Refused: a private answer, the buttons stay.
   */
  async function respondToPress(interaction: ButtonInteraction, pending: Promise<DispatchResult>): Promise<void> {
    const work = settled(pending);
    const early = await withinBudget(work);
    const result = early ?? (await interaction.deferUpdate(), await work);
    const { reply } = result;
    if (result.outcome !== 'done') {
      const [first, ...more] = payloads(reply.text, { ephemeral: true });
      if (first) await (early ? interaction.reply(first) : interaction.followUp(first));
      for (const part of more) await interaction.followUp(part);
      return;
    }
    const used = { components: disabledRows(interaction) };
    const disabled = await (early ? interaction.update(used) : interaction.editReply(used)).then(
      () => true,
      (err: unknown) => {
        logger.warn({ err }, 'buttons not disabled');
        return false;
      },
    );
    try {
      const buttons = reply.buttons?.length ? await runtime.buttons.issue(reply.buttons, callerOf(interaction), reply.buttonTtlMs) : undefined;
      const ephemeral = reply.ephemeral ?? false;
      const parts = payloads(reply.text, { ...(buttons ? { buttons } : {}), ...(reply.files ? { files: reply.files } : {}), ephemeral });
      // Not acknowledged yet when the update failed: the reply itself is the answer then.
      for (const [i, part] of parts.entries()) await (i === 0 && early && !disabled ? interaction.reply(part) : interaction.followUp(part));
    } finally {
      if (reply.followProgress) follow(reply.followProgress, interaction, result.locale);
    }
  }

  function settled(pending: Promise<DispatchResult>): Promise<DispatchResult> {
    return pending.catch((err: unknown): DispatchResult => {
      logger.error({ err }, 'command runtime failed');
      return { outcome: 'failed', reply: { text: t(config.language, 'reply.internalShort'), ephemeral: true } };
    });
  }

  async function withinBudget(work: Promise<DispatchResult>): Promise<DispatchResult | null> {
    if (ackBudgetMs <= 0) return null;
    const budget = new AbortController();
    return Promise.race([work, delay(ackBudgetMs, null, { signal: budget.signal }).catch(() => null)]).finally(() => budget.abort());
  }

  /** The answer to an interaction: replied, or edited into the deferred one (`deferred` says how it was deferred). */
  async function send(interaction: ChatInputCommandInteraction, result: DispatchResult, deferred: boolean | null): Promise<void> {
    const { reply } = result;
    try {
      await answer(interaction, reply, deferred);
    } finally {
      // After the answer, so the channel reads in order; even when the answer failed to arrive.
      if (reply.followProgress) follow(reply.followProgress, interaction, result.locale);
    }
  }

  async function answer(interaction: ChatInputCommandInteraction, reply: DispatchResult['reply'], deferred: boolean | null): Promise<void> {
    const ephemeral = reply.ephemeral ?? reply.personal ?? false;
    const buttons = reply.buttons?.length ? await runtime.buttons.issue(reply.buttons, callerOf(interaction), reply.buttonTtlMs) : undefined;
    const [first, ...more] = payloads(reply.text, { ...(buttons ? { buttons } : {}), ...(reply.files ? { files: reply.files } : {}), ephemeral });
    if (!first) return;
    if (deferred === null) {
      await interaction.reply(first);
    } else if (ephemeral && !deferred) {
      // A public "thinking..." cannot turn private: remove it and answer privately instead.
      await interaction.deleteReply();
      await interaction.followUp(first);
    } else {
      const { flags: _, ...edit } = first;
      await interaction.editReply(edit);
    }
    for (const part of more) await interaction.followUp(part);
  }

  function follow(distributionId: string, interaction: LiveInteraction, locale: Locale | undefined): void {
    const place: ProgressPlace = {
      platform: 'discord',
      target: config.channels.progress.discord ?? interaction.channelId,
      userId: interaction.user.id,
      locale: progressLocale(config, 'discord', locale),
    };
    hub.followAt(distributionId, place, interaction).catch((err: unknown) => {
      logger.warn({ err, distributionId }, 'progress message not started');
    });
  }

  // A schedule's posts (its occurrences' previews, progress and notes) go into channels through here.
  const stopPosting = channelPosts(app).add('discord', discordChannelPoster(current, runtime.buttons, followIn, config.channels.progress.discord));
  function followIn(distributionId: string, place: ProgressPlace): void {
    hub.followAt(distributionId, place).catch((err: unknown) => logger.warn({ err, distributionId }, 'progress message not started'));
  }

  return {
    notifier: discordNotifier(current, config),
    ready: link.ready,
    async stop() {
      stopPosting();
      await link.stop();
      await Promise.allSettled([...inFlight]);
      hub.stop();
      await client.destroy();
    },
  };
}

/** The rows of a pressed button's message with every button disabled. */
function disabledRows(interaction: ButtonInteraction): ActionRowBuilder<ButtonBuilder>[] {
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (const row of interaction.message.components) {
    if (!('components' in row)) continue;
    const buttons = row.components.flatMap((c) => (c.type === ComponentType.Button ? [ButtonBuilder.from(c as ButtonComponent).setDisabled(true)] : []));
    if (buttons.length) rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(buttons));
  }
  return rows;
}

/** Options of the subcommand that was run, as name -> value (strings, integers, booleans). */
function leafOptions(options: readonly CommandInteractionOption[]): RawOptions {
  const out: RawOptions = {};
  for (const o of options) {
    if (o.options) Object.assign(out, leafOptions(o.options));
    else if (typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean') out[o.name] = o.value;
  }
  return out;
}

/** A member from the cache carries a role manager; one from the interaction payload, an id list. */
function roleIdsOf(member: GuildMember | APIInteractionGuildMember | null): string[] {
  if (!member) return [];
  return Array.isArray(member.roles) ? [...member.roles] : [...(member as GuildMember).roles.cache.keys()];
}
