/** Posts a reply no command asked for (a schedule's occurrence) into a Telegram chat: src/chat/channel-posts.ts. */
import type { Api } from 'grammy';
import type { ButtonRegistry } from '../../chat/buttons.js';
import type { ChannelPoster } from '../../chat/channel-posts.js';
import type { ProgressPlace } from '../../chat/progress.js';
import { sendReply } from './messages.js';

export function telegramChannelPoster(
  api: Api,
  buttons: ButtonRegistry,
  follow: (distributionId: string, place: ProgressPlace) => void,
  progressChat: string | null,
): ChannelPoster {
  return {
    async post(chatId, reply) {
      // No one person was shown these buttons: anyone in the chat may press them (role checks still apply).
      const issued = reply.buttons?.length ? await buttons.issue(reply.buttons, { chat: { platform: 'telegram', id: chatId } }, reply.buttonTtlMs) : undefined;
      await sendReply(api, { chatId }, reply.text, { ...(issued ? { buttons: issued } : {}), ...(reply.files ? { files: reply.files } : {}) });
      if (reply.followProgress) follow(reply.followProgress, { platform: 'telegram', target: progressChat ?? chatId });
    },
  };
}
