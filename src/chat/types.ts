/**
 * The shapes every command and every platform adapter share. Nothing here knows a chat platform:
 * a command receives a Caller and options and returns a CommandReply; an adapter turns platform
 * events into those and the reply into a platform message.
 */
import type { ChatServices } from './services.js';
import type { Actor } from '../engine/ledger.js';
import type { Locale, Message, Translator } from '../i18n/index.js';
import type { AuditLog } from './audit.js';
import type { LanguagePrefs } from './languages.js';
import type { PlanOrigins } from './plan-origins.js';
import type { WalletLinks } from './wallets.js';

/** Who may run what: each role may do everything the roles below it may. */
export type Role = 'holder' | 'operator' | 'admin';

export type OptionType = 'string' | 'integer' | 'boolean';

export interface OptionSpec {
  /** Lowercase, as typed: `token` in `token:<mint>` and Discord's option name. */
  readonly name: string;
  /**
   * One line, at most 100 characters (Discord's limit), only for an option the catalogue does not
   * describe: the commands here are described in every language in src/i18n/catalogue/commands.ts.
   */
  readonly description?: string;
  readonly type: OptionType;
  /** Default false. */
  readonly required?: boolean;
  /** The only values accepted; strings are compared case-insensitively and stored as listed here. */
  readonly choices?: readonly string[] | readonly number[];
  /**
   * Kept out of the audit log (written as "(given)"). For values a person might paste a secret
   * into by mistake: a 64-byte secret key looks just like a signature.
   */
  readonly private?: boolean;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'integer' ? number : S['type'] extends 'boolean' ? boolean : string;

/** The validated options a handler receives, typed from its option specs. */
export type OptionsOf<O extends readonly OptionSpec[]> = {
  [S in O[number] as S['name']]: S['required'] extends true ? ValueOf<S> : ValueOf<S> | undefined;
};

/** Where a command was typed: a Discord channel, a Telegram chat, the console. */
export interface ChatRef {
  platform: string;
  /** Channel or chat id; "console" for the terminal. */
  id: string;
}

/** The person running a command, with the role resolved for this chat. */
export interface Caller {
  actor: Actor;
  chat: ChatRef;
  role: Role;
  /** The language the caller is answered in (languages.ts). */
  locale: Locale;
}

export interface ReplyButton {
  /** In the caller's language. */
  label: string;
  /** The command the button runs, exactly as it would be typed: `/distribute confirm id:ab12cd34`. */
  command: string;
  style?: 'primary' | 'danger' | 'secondary';
  /** Anyone in the chat may press it, not only the person it was shown to (Approve: a second operator). Default false. */
  openToChat?: boolean;
}

/** A file to attach: its bytes, or the path of a file on this machine (a report too big to hold in memory). */
export type ReplyFile = { name: string; contentType: string } & ({ bytes: Uint8Array; path?: undefined } | { path: string; bytes?: undefined });

export interface CommandReply {
  /** Plain text, no markup: it reads the same on Discord, Telegram and a terminal. */
  text: string;
  /** Only the caller sees it (Discord); platforms without private replies post it normally. */
  ephemeral?: boolean;
  /**
   * For the caller alone (a wallet challenge, the wallets linked to them): on a platform without
   * private replies in a shared chat (a Telegram group), it goes to a private chat with the caller
   * and the group is told where it went. Implies `ephemeral`.
   */
  personal?: boolean;
  buttons?: ReplyButton[];
  files?: ReplyFile[];
  /** A distribution this reply started or resumed: the adapter posts and edits its progress message. */
  followProgress?: string;
  /** The plan this command created or acted on, for the audit log when no `id` option names it. */
  planId?: string;
  /** How long the buttons stay valid. Default: the button registry's. */
  buttonTtlMs?: number;
}

/** What a handler can use besides its options. */
export interface CommandContext {
  app: ChatServices;
  caller: Caller;
  audit: AuditLog;
  wallets: WalletLinks;
  plans: PlanOrigins;
  /** The caller's language: every text of the reply goes through it. */
  t: Translator;
  /** Each person's chosen language (/language). */
  languages: LanguagePrefs;
  /** The language tag the caller's app reported with this command, if any. */
  reportedLocale: string | undefined;
  /** Every command the runtime knows, for /help. */
  commands: readonly AnyCommand[];
  /** Why the progress message of a run started here could not be shown (see assertProgressShown), or null. */
  progressProblem(): Promise<Message | null>;
}

export interface CommandDefinition<O extends readonly OptionSpec[] = readonly OptionSpec[]> {
  /** Words separated by one space: `distribute preview`, `help`. At most two words. */
  name: string;
  /**
   * At most 100 characters (Discord's limit), only for a command the catalogue does not describe:
   * the commands here are described in every language in src/i18n/catalogue/commands.ts.
   */
  description?: string;
  /** The least role that may run it; checked by the dispatcher on every call, on every platform. */
  role: Role;
  options: O;
  /** Whether the reply is private by default (Discord). Default false. */
  ephemeral?: boolean;
  /** Write every call (done, refused, failed) to the audit log: money-moving and role-relevant commands. */
  audit?: boolean;
  /**
   * Starts payments (confirm, resume, retry). Discord offers the command (its whole top-level group)
   * in servers only, unless config.discord.allowMoneyCommandsInDMs. Default false.
   */
  movesMoney?: boolean;
  // A method, not a property: handlers with their own option types are assignable to AnyCommand.
  handler(ctx: CommandContext, options: OptionsOf<O>): Promise<CommandReply>;
}

export type AnyCommand = CommandDefinition<readonly OptionSpec[]>;
