/**
 * Alerts and daily reports in the words of the channel they go to: the monitor says them as lines
 * of Messages (src/monitor/notifier.ts), each platform's notifier renders them here in the target's
 * language (config.channels.<target>.language, else config.language).
 */
import { say, type Locale } from '../i18n/index.js';
import type { OpsMessage, OpsTarget } from '../monitor/notifier.js';
import { channelLocale } from './languages.js';

/** Discord's limit is 2000 characters; a report longer than this is cut, as it always was. */
const LIMIT = 1_990;

export function opsText(message: Pick<OpsMessage, 'lines'>, locale: Locale): string {
  const text = message.lines.map((line) => say(locale, line)).join('\n');
  return text.length > LIMIT ? `${text.slice(0, LIMIT - 1)}…` : text;
}

/** The text and every file of an ops message, in the target channel's language. */
export function renderOps(message: OpsMessage, config: Parameters<typeof opsLocale>[0], target: OpsTarget): Promise<{ text: string; files: NonNullable<OpsMessage['files']> }> {
  return renderOpsIn(message, opsLocale(config, target));
}

/** The text and every file of an ops message in `locale` (the console's: one reader, at the terminal). */
export async function renderOpsIn(message: OpsMessage, locale: Locale): Promise<{ text: string; files: NonNullable<OpsMessage['files']> }> {
  const localized = message.localizedFiles ? await message.localizedFiles((m) => say(locale, m), locale) : [];
  return { text: opsText(message, locale), files: [...(message.files ?? []), ...localized] };
}

export function opsLocale(config: { language: Locale; channels: Record<OpsTarget, { language: Locale | null }> }, target: OpsTarget): Locale {
  return channelLocale(config, config.channels[target]);
}
