/**
 * The commands one role may run, as a platform's command menu lists them: one entry per top-level
 * name (`distribute` stands for its subcommands), described in one line. The menu only helps people
 * find commands; the dispatcher checks roles on every call whatever a menu shows.
 */
import { commandDescription, DEFAULT_LOCALE, groupDescription, type Locale } from '../i18n/index.js';
import { hasRole } from './roles.js';
import type { AnyCommand, Role } from './types.js';

export interface MenuEntry {
  /** The top-level name: `distribute`, `help`. */
  name: string;
  description: string;
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
