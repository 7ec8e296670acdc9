/**
 * The real discord.js bot against the Discord stand-in over the local chain, for tests that need a
 * server with channels, operators and holders: the set-up, and reading what a user sees.
 */
import { MessageFlags } from 'discord.js';
import { vi } from 'vitest';
import type { Config, DeepPartial } from '../../src/config/index.js';
import { deepMerge } from '../../src/config/index.js';
import { registerDiscordCommands } from '../../src/platforms/discord/register.js';
import { startDiscord, type DiscordAdapter, type DiscordAdapterOptions } from '../../src/platforms/discord/start-discord.js';
import { startChatApp, type ChatApp } from './chat-app.js';
import { startDiscordStandin, type DiscordStandin, type DiscordStandinOptions, type StoredMessage } from '../standins/discord.js';

/** A bot token of Discord's shape (three base64url parts); the stand-in accepts any. */
export const DISCORD_TEST_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GstAnd.stand-in-token-for-tests-only-000';

export interface DiscordWorld {
  discord: DiscordStandin;
  chat: ChatApp;
  bot: DiscordAdapter;
}

export interface DiscordWorldOptions {
  standin?: DiscordStandinOptions;
  previewTtlMs?: number;
  ackBudgetMs?: number;
  adapter?: DiscordAdapterOptions;
  /** Role names that operate (default: Tributary Operator). */
  operatorRoles?: string[];
  config?: DeepPartial<Config>;
  /** Register the commands in the fixture guild first. Default true. */
  register?: boolean;
}

export async function discordWorld(cleanups: (() => Promise<void>)[], opts: DiscordWorldOptions = {}): Promise<DiscordWorld> {
  const discord = await startDiscordStandin({ channels: ['tributary-ops', 'general'], ...opts.standin });
  cleanups.push(() => discord.close());
  const chat = await startChatApp({
    ...(opts.previewTtlMs ? { previewTtlMs: opts.previewTtlMs } : {}),
    config: deepMerge(
      {
        discord: { token: DISCORD_TEST_TOKEN, apiBase: discord.apiBase },
        roles: { operator: { discordRoleIds: (opts.operatorRoles ?? ['Tributary Operator']).map((r) => discord.fixture.roleId(r)) } },
      },
      opts.config ?? {},
    ) as DeepPartial<Config>,
  });
  cleanups.push(() => chat.close());
  if (opts.register !== false) await registerDiscordCommands(chat.app.config, { guildId: discord.fixture.guild.id });
  const bot = await startDiscord(chat.app, { ...opts.adapter, ...(opts.ackBudgetMs !== undefined ? { ackBudgetMs: opts.ackBudgetMs } : {}) });
  // The bot first: a client whose server vanished keeps trying to reconnect.
  cleanups.push(() => bot.stop());
  await bot.ready;
  return { discord, chat, bot };
}

/** The answer the user sees to an interaction (the reply, or the follow-up that replaced it). */
export async function answerTo(discord: DiscordStandin, interactionId: string): Promise<StoredMessage> {
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

/** Button label -> custom_id, of the buttons on a message. */
export function customIds(message: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of message.current.components as { components?: { custom_id?: string; label?: string }[] }[]) {
    for (const c of row.components ?? []) if (c.custom_id && c.label) out[c.label] = c.custom_id;
  }
  return out;
}

/** Whether each button on a message is disabled, by label. */
export function disabledButtons(message: StoredMessage): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const row of message.current.components as { components?: { label?: string; disabled?: boolean }[] }[]) {
    for (const c of row.components ?? []) if (c.label) out[c.label] = c.disabled === true;
  }
  return out;
}

export const isEphemeral = (m: StoredMessage): boolean => (m.current.flags & MessageFlags.Ephemeral) !== 0;

/** An operator previews a plan of the seeded token; the answer, its plan id and its buttons. */
export async function previewPlan(w: DiscordWorld, user = 'alice', channel = 'tributary-ops', amount = '1000') {
  const { scenario } = w.chat.harness.net;
  const sent = w.discord.dispatchInteraction({
    name: 'distribute preview',
    options: { token: scenario.baseMint, amount, reward: scenario.rewardMint },
    user,
    channelId: w.discord.fixture.channelId(channel),
  });
  const answer = await answerTo(w.discord, sent.id);
  const planId = /^\/distribute confirm id:(\w{8})$/m.exec(answer.current.content)?.[1];
  if (!planId) throw new Error(`no plan in the preview: ${answer.current.content}`);
  return { sent, answer, planId, buttons: customIds(answer) };
}
