/**
 * Posts a reply no command asked for (a schedule's occurrence) on the console: its text, the
 * commands its buttons stand for, and the summary of a distribution it started when that ends.
 */
import type { ChatServices } from '../../chat/services.js';
import type { ChannelPoster } from '../../chat/channel-posts.js';
import { renderSummary } from '../../chat/format.js';
import { translator, type Locale } from '../../i18n/index.js';
import type { CompletedEvent } from '../../engine/events.js';

export function consoleChannelPoster(app: ChatServices, write: (text: string) => void, locale: Locale = app.config.language): ChannelPoster {
  const t = translator(locale);
  return {
    // The terminal has one reader: posts there are in the console's language, whatever the channels say.
    locale,
    async post(_chatId, reply) {
      const buttons = (reply.buttons ?? []).filter((b) => !reply.text.includes(b.command)).map((b) => `  ${b.label}: ${b.command}`);
      write(`\n${[reply.text, ...buttons].join('\n')}\n`);
      const id = reply.followProgress;
      if (!id) return;
      const { events } = app.engine;
      const onCompleted = (e: CompletedEvent) => {
        if (e.distributionId !== id) return;
        events.off('completed', onCompleted);
        write(`\n${renderSummary(e, e.symbol, t)}\n`);
      };
      events.on('completed', onCompleted);
    },
  };
}
