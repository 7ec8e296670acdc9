import type { Client } from 'discord.js';
import type { Config } from '../../config/index.js';
import type { OpsNotifier } from '../../monitor/notifier.js';
import { renderOps } from '../../chat/ops-text.js';
import { attachments, payloads } from './messages.js';
import { sendableChannel } from './progress.js';

/**
 * Alerts and reports into the channels configured under channels.alerts / channels.reports.discord;
 * a target without a channel is skipped. Throws on a platform failure: the monitor's fan-out
 * catches and logs it.
 */
export function discordNotifier(client: () => Client, config: Config): OpsNotifier {
  return {
    async post(target, message) {
      const channelId = config.channels[target].discord;
      if (!channelId) return;
      const channel = await sendableChannel(client(), channelId);
      const { text, files } = await renderOps(message, config, target);
      const parts = payloads(text, {});
      for (const [i, { content }] of parts.entries()) {
        const last = i === parts.length - 1;
        await channel.send(last && files.length ? { content, files: attachments(files) } : { content });
      }
    },
  };
}
