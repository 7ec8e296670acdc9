import { loadConfig } from '../config/index.js';

export async function registerCommands(guildId: string | undefined): Promise<void> {
  const config = loadConfig();
  if (!config.discord.token) throw new Error('DISCORD_TOKEN is not set: registration needs the bot token');
  const { registerDiscordCommands } = await import('../platforms/index.js');
  const result = await registerDiscordCommands(config, guildId !== undefined ? { guildId } : {});
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
