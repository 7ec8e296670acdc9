import type { Api } from 'grammy';
import type { Config } from '../../config/index.js';
import type { OpsNotifier } from '../../monitor/notifier.js';
import { renderOps } from '../../chat/ops-text.js';
import { sendReply } from './messages.js';

/**
 * Alerts and reports into the chats configured under channels.alerts / channels.reports.telegram;
 * a target without a chat is skipped. Throws on a platform failure: the monitor's fan-out catches it.
 */
export function telegramNotifier(api: Api, config: Config): OpsNotifier {
  return {
    async post(target, message) {
      const chatId = config.channels[target].telegram;
      if (!chatId) return;
      const { text, files } = await renderOps(message, config, target);
      await sendReply(api, { chatId }, text, files.length ? { files } : {});
    },
  };
}
