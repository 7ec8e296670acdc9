/**
 * The catalogues: every language has every key (plural forms aside: Japanese has only `_other`),
 * every placeholder of a text is one its English text has, and money renders exactly.
 */
import { describe, expect, it } from 'vitest';
import { amountParam, catalogues, durationParam, formatMoney, LOCALES, localeOf, msg, say, t } from '../src/i18n/index.js';
import type { Catalogue } from '../src/i18n/catalogue/keys.js';
import { loadCommands } from '../src/chat/loader.js';
import { commandWords } from '../src/i18n/index.js';

const PLURAL = /_(zero|one|two|few|many|other)$/;

function leaves(c: Catalogue, prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === 'string') {
      const key = prefix + k.replace(PLURAL, '');
      out.set(key, [...(out.get(key) ?? []), v]);
    } else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (texts: string[]) => new Set(texts.flatMap((s) => [...s.matchAll(/\{\{(\w+)/g)].map((m) => m[1])));

describe('message catalogues', () => {
  const all = Object.fromEntries(LOCALES.map((l) => [l, leaves(catalogues[l] as Catalogue)]));

  it('have the same keys in every language', () => {
    for (const a of LOCALES) {
      for (const b of LOCALES) {
        const missing = [...all[a]!.keys()].filter((k) => !all[b]!.has(k));
        expect(missing, `keys of ${a} missing from ${b}`).toEqual([]);
      }
    }
  });

  it('use the same placeholders in every language, and no text is empty', () => {
    for (const [key, texts] of all['en']!) {
      for (const locale of LOCALES) {
        const other = all[locale]!.get(key) ?? [];
        expect(
          other.every((s) => s.trim() !== '' || key === 'unit.listSeparator'),
          `${locale} ${key} empty`,
        ).toBe(true);
        expect(
          [...placeholders(other)].filter((p) => !placeholders(texts).has(p)),
          `${locale} ${key} placeholders`,
        ).toEqual([]);
      }
    }
  });

  it('keep Japanese free of English sentences', () => {
    // Command syntax, option names and units stay; a run of three English words is a text left untranslated.
    const english = /\b(?:[A-Za-z]{2,}\s+){2,}[A-Za-z]{2,}\b/;
    const syntax = (s: string) => s.replace(/\/[a-z]+(?: [a-z]+)?/g, '').replace(/\b\w+:(?:"[^"]*"|\S*)/g, '');
    for (const [key, texts] of all['ja']!) {
      for (const s of texts) expect(english.test(syntax(s)), `ja ${key}: ${s}`).toBe(false);
    }
  });

  it('render plurals by the rules of each language', () => {
    expect(t('en', 'err.challengeExpired', { count: 1 })).toMatch(/within 1 minute$/);
    expect(t('en', 'err.challengeExpired', { count: 10 })).toMatch(/within 10 minutes$/);
    expect(t('ja', 'err.challengeExpired', { count: 1 })).toContain('1 分以内');
  });

  it('render amounts exactly, grouped by locale only when asked', () => {
    const big = 123_456_789_012_345_678n;
    expect(formatMoney(big, 9, 'en')).toBe('123456789.012345678');
    expect(formatMoney(big, 9, 'en', { grouped: true })).toBe('123,456,789.012345678');
    expect(formatMoney(big, 9, 'ja', { grouped: true })).toBe('123,456,789.012345678');
    expect(formatMoney(2n ** 64n - 1n, 0, 'ja', { grouped: true })).toBe('18,446,744,073,709,551,615');
    expect(say('ja', msg('risk.reward-short', { available: amountParam(5n, 6, 'USDC'), needed: amountParam(1_000_000_000_001n, 6, 'USDC') }))).toBe(
      '配布元の残高は 0.000005 USDC ですが、1000000.000001 USDC が必要です',
    );
  });

  it('render durations in the words of each language', () => {
    expect(t('en', 'preview.duration', { duration: durationParam(125) })).toBe('Estimated duration: about 2 min 5 s');
    expect(t('ja', 'preview.duration', { duration: durationParam(125) })).toBe('所要時間の見込み: 約 2 分 5 秒');
  });

  it('read the language of Discord, Telegram and a POSIX LANG', () => {
    expect(localeOf('ja')).toBe('ja');
    expect(localeOf('en-US')).toBe('en');
    expect(localeOf('ja_JP.UTF-8')).toBe('ja');
    expect(localeOf('pt-BR')).toBeNull();
    expect(localeOf('C')).toBeNull();
    expect(localeOf(undefined)).toBeNull();
  });

  it("describe every command and option in every language, within Discord's 100 characters", async () => {
    const { commands } = await loadCommands();
    for (const [locale, words] of Object.entries(commandWords)) {
      for (const c of commands) {
        const w = words[c.name];
        expect(w?.description, `${locale} /${c.name}`).toBeTruthy();
        expect(w!.description.length, `${locale} /${c.name}`).toBeLessThanOrEqual(100);
        for (const o of c.options) {
          const d = w!.options?.[o.name];
          expect(d, `${locale} /${c.name} ${o.name}:`).toBeTruthy();
          expect(d!.length, `${locale} /${c.name} ${o.name}:`).toBeLessThanOrEqual(100);
        }
      }
      expect(
        Object.keys(words).filter((name) => !commands.some((c) => c.name === name)),
        `${locale}: words for no command`,
      ).toEqual([]);
    }
  });
});
