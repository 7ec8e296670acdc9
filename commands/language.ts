import { defineCommand } from '../src/chat/define.js';
import { localeOf, t } from '../src/i18n/index.js';

export default defineCommand({
  name: 'language',
  role: 'holder',
  ephemeral: true,
  options: [{ name: 'set', type: 'string', choices: ['en', 'ja', 'auto'] }],
  async handler(ctx, o) {
    if (o.set === undefined) return { text: ctx.t('cmd.language.current') };
    const { actor } = ctx.caller;
    if (o.set === 'auto') {
      await ctx.languages.choose(actor, null);
      // What the app reported is what this command arrived with, unless the caller had chosen before.
      const locale = (await ctx.languages.localeFor(actor, ctx.reportedLocale, ctx.app.config.language)) ?? ctx.caller.locale;
      return { text: t(locale, 'cmd.language.cleared', { language: t(locale, `cmd.language.name.${locale}`) }) };
    }
    const locale = localeOf(o.set) ?? ctx.caller.locale;
    await ctx.languages.choose(actor, locale);
    return { text: t(locale, 'cmd.language.set') };
  },
});
