/**
 * PROTOTYPE stand-in for src/platforms/index.ts as proposed: the console adapter is imported on its
 * own, Discord (discord.js) and Telegram (grammy) only when a token asks for them.
 */
import type { AppContext } from '../../../src/app/context.js';

export { runConsole } from '../../../src/platforms/console/run-console.js';

export async function startDiscord(context: AppContext): Promise<import('../../../src/platforms/discord/start-discord.js').DiscordAdapter> {
  return (await import('../../../src/platforms/discord/start-discord.js')).startDiscord(context);
}

export async function startTelegram(context: AppContext): Promise<import('../../../src/platforms/telegram/start-telegram.js').TelegramAdapter> {
  return (await import('../../../src/platforms/telegram/start-telegram.js')).startTelegram(context);
}
