import type { Client, Message } from 'discord.js';
import type { ProgressSurface } from '../../chat/progress.js';
import type { ReplyFile } from '../../chat/types.js';
import { attachments } from './messages.js';

/**
 * The progress message of one distribution: a normal channel message posted and edited with the bot
 * token, because an interaction token stops working 15 minutes after the command and a large
 * distribution runs longer.
 */
export class DiscordProgress implements ProgressSurface {
  private message: Message | null = null;

  constructor(
    private readonly client: Client,
    private readonly channelId: string,
  ) {}

  async update(text: string): Promise<void> {
    if (this.message) this.message = await this.message.edit({ content: text });
    else this.message = await (await sendableChannel(this.client, this.channelId)).send({ content: text });
  }

  async finish(text: string, files: ReplyFile[]): Promise<void> {
    const payload = { content: text, files: attachments(files) };
    if (this.message) this.message = await this.message.edit(payload);
    else this.message = await (await sendableChannel(this.client, this.channelId)).send(payload);
  }
}

export async function sendableChannel(client: Client, channelId: string) {
  const channel = await client.channels.fetch(channelId);
  if (!channel || !channel.isSendable()) throw new Error(`Discord channel ${channelId} is not one the bot can post in`);
  return channel;
}
