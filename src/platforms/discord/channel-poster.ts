/** Posts a reply no command asked for (a schedule's occurrence) into a Discord channel: src/chat/channel-posts.ts. */
import type { Client } from 'discord.js';
import type { ButtonRegistry } from '../../chat/buttons.js';
import type { ChannelPoster } from '../../chat/channel-posts.js';
import type { ProgressPlace } from '../../chat/progress.js';
import { payloads } from './messages.js';
import { sendableChannel } from './progress.js';

export function discordChannelPoster(
  client: () => Client,
  buttons: ButtonRegistry,
  follow: (distributionId: string, place: ProgressPlace) => void,
  progressChannel: string | null,
): ChannelPoster {
  return {
    async post(channelId, reply) {
      // No one person was shown these buttons: anyone in the channel may press them (role checks still apply).
      const issued = reply.buttons?.length ? await buttons.issue(reply.buttons, { chat: { platform: 'discord', id: channelId } }, reply.buttonTtlMs) : undefined;
      const channel = await sendableChannel(client(), channelId);
      for (const { flags: _, ...payload } of payloads(reply.text, { ...(issued ? { buttons: issued } : {}), ...(reply.files ? { files: reply.files } : {}) })) {
        await channel.send(payload);
      }
      if (reply.followProgress) follow(reply.followProgress, { platform: 'discord', target: progressChannel ?? channelId });
    },
  };
}
