/**
 * Which language each person is answered in. In order: what they chose with /language (kept in
 * the store's "languages" namespace, `user:<platform>:<userId>`), the language their app reports
 * (Discord's interaction locale, Telegram's language_code, the console's LANG), the configured
 * `language`. Channels (alerts, reports, progress) have their own setting in config.channels.
 */
import type Keyv from 'keyv';
import { DEFAULT_LOCALE, isLocale, localeOf, type Locale } from '../i18n/index.js';
import type { Actor } from '../engine/ledger.js';

export class LanguagePrefs {
  constructor(private readonly kv: Keyv) {}

  async chosen(actor: Pick<Actor, 'platform' | 'userId'>): Promise<Locale | null> {
    const value = (await this.kv.get(key(actor))) as unknown;
    return isLocale(value) ? value : null;
  }

  async choose(actor: Pick<Actor, 'platform' | 'userId'>, locale: Locale | null): Promise<void> {
    if (locale === null) await this.kv.delete(key(actor));
    else await this.kv.set(key(actor), locale);
  }

  /** The person's language: their choice, else their app's, else `fallback`. */
  async localeFor(actor: Pick<Actor, 'platform' | 'userId'>, reported: string | undefined, fallback: Locale): Promise<Locale> {
    return (await this.chosen(actor)) ?? localeOf(reported) ?? fallback;
  }
}

const key = (actor: Pick<Actor, 'platform' | 'userId'>) => `user:${actor.platform}:${actor.userId}`;

/**
 * The language of a run's progress message: the configured progress channel's, when there is one
 * for the platform (everyone there reads it); else the language of whoever started the run.
 */
export function progressLocale(
  config: { language: Locale; channels: { progress: { discord: string | null; telegram: string | null; language: Locale | null } } },
  platform: string,
  starter: Locale | undefined,
): Locale {
  const { progress } = config.channels;
  const configured = platform === 'discord' ? progress.discord : platform === 'telegram' ? progress.telegram : null;
  return configured !== null ? channelLocale(config, progress) : (starter ?? config.language);
}

/** A channel's language: its own setting, else the configured default. */
export function channelLocale(config: { language?: Locale | undefined }, target: { language?: Locale | null | undefined } | undefined): Locale {
  return target?.language ?? config.language ?? DEFAULT_LOCALE;
}
