/** The languages Tributary speaks. English is the default and the fallback. */
export const LOCALES = ['en', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The locale of a platform's language tag: Discord's `ja` or `en-US`, Telegram's `language_code`
 * (`ja`, `en`, `pt-br`), a POSIX `LANG` (`ja_JP.UTF-8`, `C`). Null when it names no language we speak.
 */
export function localeOf(tag: string | undefined | null): Locale | null {
  if (!tag) return null;
  const language =
    tag
      .trim()
      .toLowerCase()
      .split(/[-_.@]/)[0] ?? '';
  return isLocale(language) ? language : null;
}

/** The terminal's language tag: LC_ALL, LC_MESSAGES or LANG, the first one set (docs/i18n.md). */
export function terminalLanguage(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG'] || undefined;
}
