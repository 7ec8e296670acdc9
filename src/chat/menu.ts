/**
 * The commands one role may run, as a platform's command menu lists them: one entry per top-level
 * name (`distribute` stands for its subcommands), described in one line. The menu only helps people
 * find commands; the dispatcher checks roles on every call whatever a menu shows.
 */
import { commandDescription, DEFAULT_LOCALE, groupWords, type Locale } from '../i18n/index.js';
import { hasRole } from './roles.js';
import type { AnyCommand, Role } from './types.js';

export interface MenuEntry {
  /** The top-level name: `distribute`, `help`. */
  name: string;
  description: string;
}

/** What each group of subcommands is for, shared by Discord's registration and Telegram's menu. */
export const GROUP_DESCRIPTIONS: Record<string, string> = {
  alerts: 'Active alerts: list and acknowledge',
  distribute: 'Preview, confirm and manage reward distributions',
  holders: 'Holder snapshots of a token',
  wallet: 'Link the wallets you receive rewards in',
  config: 'The bot configuration (admins)',
  schedule: 'Recurring distributions: create and manage them',
};

/** A group's description in `locale`. */
export function groupDescription(head: string, locale: Locale = DEFAULT_LOCALE): string | undefined {
  return (locale === 'en' ? undefined : groupWords[locale][head]) ?? GROUP_DESCRIPTIONS[head];
}

/** The entries `role` may use, sorted by name; a group lists the subcommands open to that role. */
export function commandMenu(commands: readonly AnyCommand[], role: Role, maxDescription = 256, locale: Locale = DEFAULT_LOCALE): MenuEntry[] {
  const groups = new Map<string, AnyCommand[]>();
  for (const c of commands) {
    if (!hasRole(role, c.role)) continue;
    const head = c.name.split(' ')[0] as string;
    groups.set(head, [...(groups.get(head) ?? []), c]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, members]) => {
      const single = members.length === 1 && members[0]?.name === name;
      if (single) return { name, description: commandDescription(members[0] as AnyCommand, locale).slice(0, maxDescription) };
      const subs = members
        .map((c) => c.name.split(' ')[1])
        .sort()
        .join(', ');
      const what = groupDescription(name, locale) ?? name;
      return { name, description: `${what}: ${subs}`.slice(0, maxDescription) };
    });
}
