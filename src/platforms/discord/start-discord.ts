/**
 * The Discord bot: gateway events in, command calls out, replies back. It only translates; what a
 * command does, who may run it and what the reply says is decided in src/chat and commands/.
 *
 * Discord drops an interaction that is not answered within 3 s. A reply that is ready within
 * `ackBudgetMs` is sent as the answer itself; a slower one is deferred at that point and the answer
 * edited in when it is ready.
 */
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import type { APIInteractionGuildMember, ButtonInteraction, ChatInputCommandInteraction, CommandInteractionOption, GuildMember, Interaction } from 'discord.js';
import type { AppContext } from '../../app/context.js';
import { ProgressHub } from '../../chat/progress.js';
import { resolveRole } from '../../chat/roles.js';
import { chatRuntime, type CallerSource, type DispatchResult } from '../../chat/runtime.js';
import type { RawOptions } from '../../chat/options.js';
import type { OpsNotifier } from '../../monitor/notifier.js';
import { payloads } from './messages.js';
import { discordNotifier } from './notifier.js';
import { DiscordProgress } from './progress.js';

export interface DiscordAdapterOptions {
  /** How long a command may take before the interaction is deferred; 0 defers every one. Default 1500 ms (Discord allows 3000). */
  ackBudgetMs?: number;
}

export interface DiscordAdapter {
  stop(): Promise<void>;
  notifier: OpsNotifier;
}

type Replyable = ChatInputCommandInteraction | ButtonInteraction;

export async function startDiscord(app: AppContext, opts: DiscordAdapterOptions = {}): Promise<DiscordAdapter> {
  const { config } = app;
  const token = config.discord.token;
  if (!token) throw new Error('the Discord adapter needs a bot token: set DISCORD_TOKEN');
  const logger = app.logger.child({ component: 'discord' });
  const ackBudgetMs = opts.ackBudgetMs ?? 1_500;
  const runtime = await chatRuntime(app);
  const hub = new ProgressHub(app, logger);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], ...(config.discord.apiBase ? { rest: { api: config.discord.apiBase } } : {}) });
  const inFlight = new Set<Promise<void>>();

  client.on(Events.InteractionCreate, (interaction) => {
    const work = handle(interaction)
      .catch((err: unknown) => logger.error({ err, interactionId: interaction.id }, 'interaction not answered'))
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  client.on(Events.Error, (err) => logger.warn({ err }, 'discord client error'));

  const ready = once(client, Events.ClientReady);
  await client.login(token);
  if (!client.isReady()) await ready;
  logger.info({ user: client.user?.username }, 'discord bot ready');
  app.monitoring?.addHealthCheck('discord', async () =>
    client.isReady() ? { ok: true, detail: `gateway ping ${client.ws.ping} ms` } : { ok: false, detail: 'not connected to the gateway' },
  );

  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const name = [interaction.commandName, interaction.options.getSubcommandGroup(false), interaction.options.getSubcommand(false)].filter(Boolean).join(' ');
      const source = callerOf(interaction);
      await respond(interaction, runtime.run(name, leafOptions(interaction.options.data), [], source), runtime.isEphemeral(name));
    } else if (interaction.isButton()) {
      await respond(interaction, runtime.press(interaction.customId, callerOf(interaction)), false);
    }
  }

  function callerOf(interaction: Replyable): CallerSource {
    const user = interaction.user;
    return {
      actor: { platform: 'discord', userId: user.id, name: user.globalName ?? user.username },
      chat: { platform: 'discord', id: interaction.channelId },
      role: () => resolveRole(config, { platform: 'discord', userId: user.id, roleIds: roleIdsOf(interaction.member) }),
    };
  }

  async function respond(interaction: Replyable, pending: Promise<DispatchResult>, ephemeralHint: boolean): Promise<void> {
    const work = pending.catch((err: unknown): DispatchResult => {
      logger.error({ err }, 'command runtime failed');
      return { outcome: 'failed', reply: { text: '✖ internal error; nothing more was done', ephemeral: true } };
    });
    const budget = new AbortController();
    const early =
      ackBudgetMs > 0
        ? await Promise.race([work, delay(ackBudgetMs, null, { signal: budget.signal }).catch(() => null)]).finally(() => budget.abort())
        : null;
    if (early) {
      await send(interaction, early, null);
      return;
    }
    await interaction.deferReply(ephemeralHint ? { flags: MessageFlags.Ephemeral } : {});
    await send(interaction, await work, ephemeralHint);
  }

  /** The answer to an interaction: replied, or edited into the deferred one (`deferred` says how it was deferred). */
  async function send(interaction: Replyable, result: DispatchResult, deferred: boolean | null): Promise<void> {
    const { reply } = result;
    try {
      await answer(interaction, reply, deferred);
    } finally {
      // After the answer, so the channel reads in order; even when the answer failed to arrive.
      if (reply.followProgress) follow(reply.followProgress, interaction.channelId);
    }
  }

  async function answer(interaction: Replyable, reply: DispatchResult['reply'], deferred: boolean | null): Promise<void> {
    const ephemeral = reply.ephemeral ?? false;
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

  function follow(distributionId: string, channelId: string): void {
    const target = config.channels.progress.discord ?? channelId;
    hub.follow(distributionId, `discord:${target}`, new DiscordProgress(client, target)).catch((err: unknown) => {
      logger.warn({ err, distributionId }, 'progress message not started');
    });
  }

  return {
    notifier: discordNotifier(client, config),
    async stop() {
      await Promise.allSettled([...inFlight]);
      hub.stop();
      await client.destroy();
    },
  };
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

