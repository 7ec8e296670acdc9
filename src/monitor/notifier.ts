import type { Message } from '../i18n/message.js';
import { errorDetail, type MonitorLogger } from './logger.js';

/** Channel kinds the ops messages go to; each platform adapter maps them to its configured channels. */
export type OpsTarget = 'alerts' | 'reports';

export interface OpsFile {
  name: string;
  bytes: Uint8Array;
  contentType: string;
}

/**
 * What the monitor says, line by line, as Messages (src/i18n/message.ts): each platform's notifier
 * puts them into the words of the channel's language (config.channels.<target>.language). The
 * text stays plain and under 2000 characters (Discord's limit).
 */
export interface OpsMessage {
  lines: readonly Message[];
  files?: OpsFile[];
  /**
   * Files with words in them (the report's chart), made in the reader's language: `say` puts a
   * Message into that language's words. Made once per language however many platforms ask.
   */
  localizedFiles?(say: (m: Message) => string, language: string): Promise<OpsFile[]>;
}

/** Implemented once per chat platform by its adapter. May throw; the fan-out below contains it. */
export interface OpsNotifier {
  post(target: OpsTarget, message: OpsMessage): Promise<void>;
}

export interface FanOutOptions {
  /** A platform that has not answered after this long is logged and left behind, ms. Default 15000. */
  timeoutMs?: number;
}

/**
 * Sends to every platform at once and never throws: a platform that fails or hangs is logged and the
 * others still get the message. Alerts and reports must never stop anything, least of all a payout.
 * `notifiers` may be named (`{ discord, telegram }`) so the log says which one failed.
 */
export function fanOutNotifier(notifiers: Readonly<Record<string, OpsNotifier>> | readonly OpsNotifier[], logger: MonitorLogger, options: FanOutOptions = {}): OpsNotifier {
  const named: [string, OpsNotifier][] = Array.isArray(notifiers)
    ? notifiers.map((n, i) => [`notifier#${i}`, n] as [string, OpsNotifier])
    : Object.entries(notifiers as Readonly<Record<string, OpsNotifier>>);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async post(target, message) {
      await Promise.all(
        named.map(async ([name, notifier]) => {
          let timer: NodeJS.Timeout | undefined;
          try {
            const timeout = new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs} ms`)), timeoutMs);
              timer.unref();
            });
            await Promise.race([notifier.post(target, message), timeout]);
          } catch (err) {
            logger.warn({ err: errorDetail(err), notifier: name, target }, 'ops message not delivered');
          } finally {
            if (timer) clearTimeout(timer);
          }
        }),
      );
    },
  };
}
