export { runConsole, type ConsoleIdentity, type ConsoleOptions } from './console/run-console.js';
export { startDiscord, type DiscordAdapter, type DiscordAdapterOptions } from './discord/start-discord.js';
export { registerDiscordCommands, discordCommandPayload, type RegisterOptions, type RegisterResult } from './discord/register.js';
export { startTelegram, type TelegramAdapter, type TelegramAdapterOptions } from './telegram/start-telegram.js';
