/**
 * The dispatcher: text or platform options in, a CommandReply out, the same way for every platform.
 * In order: find the command, check its role precondition, validate the options (options.ts), run
 * the handler, turn errors into messages, write the audit entry. Bad input changes nothing because
 * nothing runs before validation passed.
 */
import type { Logger } from 'pino';
import type { ChatServices } from './services.js';
import { isTributaryError } from '../engine/errors.js';
import { redactString } from '../log/redact.js';
import { rpcVerdictMessage } from '../solana/probe.js';
import { storeFullReason } from '../store/errors.js';
import type { Actor } from '../engine/ledger.js';
import { AuditLog } from './audit.js';
import { ButtonRegistry } from './buttons.js';
import { localeOf, msg, t, translator, type Locale, type Message } from '../i18n/index.js';
import { CommandError, errorText, isCommandError, newErrorId } from './errors.js';
import { LanguagePrefs } from './languages.js';
import { loadCommands } from './loader.js';
import { validateOptions, type RawOptions } from './options.js';
import { parseCommandText, resolveName } from './parse.js';
import { PlanOrigins } from './plan-origins.js';
import { preconditionsFor } from './preconditions/index.js';
import type { AnyCommand, Caller, ChatRef, CommandReply, Role } from './types.js';
import { WalletLinks } from './wallets.js';

/** What an adapter knows about whoever sent a command. */
export interface CallerSource {
  actor: Actor;
  chat: ChatRef;
  /** Resolved once per command, and only when needed (it may cost a platform API call). */
  role(): Promise<Role>;
  /** The language the person's app reports: Discord's locale, Telegram's language_code, LANG. */
  locale?: string | undefined;
  /**
   * Why a progress message started by this command could not be shown where it would go (the bot
   * may not post in that channel), or null. Asked before a distribution starts. Default: null.
   */
  progressProblem?(): Promise<Message | null>;
}

export interface DispatchResult {
  /** The command's name, once one was found. */
  command?: string;
  /** done: the handler ran; refused: bad input, a missing role, a state that forbids it; failed: a bug or an outage. */
  outcome: 'done' | 'refused' | 'failed';
  /** The precondition identifier or error code, when not done. */
  code?: string;
  /** The language the reply is in (languages.ts). */
  locale?: Locale;
  reply: CommandReply;
}

export interface ChatRuntimeOptions {
  /** Where command files are. Default commands/ (source or dist). */
  commandsDir?: string;
}

export class ChatRuntime {
  readonly audit: AuditLog;
  readonly wallets: WalletLinks;
  readonly plans: PlanOrigins;
  readonly buttons: ButtonRegistry;
  readonly languages: LanguagePrefs;
  private readonly byName: Map<string, AnyCommand>;
  private readonly names: ReadonlySet<string>;
  private readonly logger: Logger;

  private constructor(
    readonly app: ChatServices,
    readonly commands: readonly AnyCommand[],
  ) {
    const previewTtlMs = app.config.distribution.previewTtlMs;
    this.logger = app.logger.child({ component: 'chat' });
    this.audit = new AuditLog(app.store.ns('audit'), { retentionMs: app.config.audit.retentionDays * 86_400_000 });
    this.wallets = new WalletLinks(app.store.ns('wallets'));
    // Kept as long as the engine keeps an unconfirmed plan, so a late confirm hears "expired".
    this.plans = new PlanOrigins(app.store.ns('chat-plans'), previewTtlMs * 2 + 60_000);
    this.buttons = new ButtonRegistry(app.store.ns('buttons'), { ttlMs: previewTtlMs });
    this.languages = new LanguagePrefs(app.store.ns('languages'));
    this.byName = new Map(commands.map((c) => [c.name, c]));
    this.names = new Set(this.byName.keys());
  }

  static async create(app: ChatServices, opts: ChatRuntimeOptions = {}): Promise<ChatRuntime> {
    const { commands, problems } = await loadCommands(opts.commandsDir);
    for (const p of problems) app.logger.error({ file: p.file, problem: p.problem }, `command file ${p.file} left out: ${p.problem}`);
    return new ChatRuntime(app, commands);
  }

  /** Whether a command's reply is private by default: an adapter that must answer early (Discord's defer) asks. */
  isEphemeral(name: string): boolean {
    return this.byName.get(name)?.ephemeral ?? false;
  }

  /** Runs a typed line; null when the line is no command for this bot (chatter, a comment, another bot's command). */
  async runText(text: string, source: CallerSource, opts: { botUsername?: string } = {}): Promise<DispatchResult | null> {
    let name: string;
    let named: RawOptions;
    let positional: string[];
    try {
      const parsed = parseCommandText(text, opts.botUsername);
      if (!parsed) return null;
      ({ name, positional } = resolveName(parsed.words, this.names));
      named = parsed.named;
    } catch (err) {
      return this.failure(err, undefined, await this.localeOf(source));
    }
    return this.run(name, named, positional, source);
  }

  /** Runs a command by name with options as the platform delivered them. */
  async run(name: string, named: RawOptions, positional: readonly string[], source: CallerSource): Promise<DispatchResult> {
    const command = this.byName.get(name);
    const locale = await this.localeOf(source);
    if (!command) return this.failure(new CommandError('UNKNOWN_COMMAND', msg('err.unknownCommand', { name })), undefined, locale);
    const started = Date.now();
    let caller: Caller | undefined;
    let options: Record<string, unknown> | undefined;
    let result: DispatchResult;
    try {
      caller = { actor: source.actor, chat: source.chat, role: await source.role(), locale };
      const refusal = preconditionsFor(command.role)
        .map((p) => p.check(caller as Caller, command))
        .find((r) => !r.ok);
      if (refusal && !refusal.ok) {
        result = { command: command.name, outcome: 'refused', code: refusal.identifier, reply: { text: t(locale, 'reply.refused', { text: refusal.message }), ephemeral: true } };
      } else {
        options = validateOptions(command, named, positional);
        const reply = await command.handler(
          {
            app: this.app,
            caller,
            t: translator(locale),
            languages: this.languages,
            reportedLocale: source.locale,
            audit: this.audit,
            wallets: this.wallets,
            plans: this.plans,
            commands: this.commands,
            progressProblem: source.progressProblem ? () => (source.progressProblem as () => Promise<Message | null>)() : async () => null,
          },
          options as never,
        );
        result = { command: command.name, outcome: 'done', reply: { ...reply, ephemeral: reply.ephemeral ?? command.ephemeral ?? false } };
      }
    } catch (err) {
      result = await this.explained(this.failure(err, command, locale, caller), locale);
    }
    result = { ...withoutSecrets(result), locale };
    const ms = Date.now() - started;
    this.logger.info({ command: command.name, platform: source.chat.platform, userId: source.actor.userId, outcome: result.outcome, code: result.code, ms }, 'command');
    this.app.monitoring?.monitor.observeCommand(command.name, source.chat.platform, ms);
    if (command.audit) await this.writeAudit(command, caller, source, auditable(command, options ?? { ...named }), result);
    return result;
  }

  /**
   * A pressed button: the command it stands for runs as if `source` typed it, through the same
   * role check. A button that is unknown, expired, used, or was shown to someone else runs nothing.
   */
  async press(data: string, source: CallerSource): Promise<DispatchResult> {
    let claim: { command: string; group: string };
    try {
      claim = await this.buttons.claim(data, source);
    } catch (err) {
      const result = this.failure(err, undefined, await this.localeOf(source));
      this.logger.info({ platform: source.chat.platform, userId: source.actor.userId, outcome: result.outcome, code: result.code }, 'button refused');
      return result;
    }
    let result: DispatchResult | null = null;
    try {
      result = await this.runText(claim.command, source);
      return result ?? this.failure(new CommandError('BUTTON_UNKNOWN', msg('err.buttonDoesNothing')), undefined, await this.localeOf(source));
    } finally {
      await this.buttons.settle(claim.group, result?.outcome === 'done');
    }
  }

  /** The language `source` is answered in (languages.ts). */
  localeOf(source: Pick<CallerSource, 'actor' | 'locale'>): Promise<Locale> {
    return this.languages.localeFor(source.actor, source.locale, this.app.config.language).catch((err: unknown) => {
      this.logger.warn({ err }, 'language choice not read');
      return localeOf(source.locale) ?? this.app.config.language;
    });
  }

  private failure(err: unknown, command: AnyCommand | undefined, locale: Locale, caller?: Caller): DispatchResult {
    const base = command ? { command: command.name } : {};
    const full = storeFullReason(err);
    if (full !== null) {
      // Not a bug, not the user: the store cannot write. Say so; running distributions wait it out.
      const errorId = newErrorId();
      this.logger.error({ err, errorId, command: command?.name, userId: caller?.actor.userId }, `command refused: the store cannot write (${full})`);
      return {
        ...base,
        outcome: 'failed',
        code: 'STORE_FULL',
        reply: {
          text: t(locale, 'reply.storeFull', { reason: msg(`storeFull.${full}`), errorId }),
          ephemeral: true,
        },
      };
    }
    if (isCommandError(err) || isTributaryError(err)) {
      return withoutSecrets({ ...base, outcome: 'refused', code: err.code, reply: { text: t(locale, 'reply.refused', { text: errorText(err, locale) }), ephemeral: true } });
    }
    const errorId = newErrorId();
    this.logger.error({ err, errorId, command: command?.name, userId: caller?.actor.userId }, 'command failed with an internal error');
    return { ...base, outcome: 'failed', code: `INTERNAL:${errorId}`, reply: { text: t(locale, 'reply.internal', { errorId }), ephemeral: true } };
  }

  /**
   * An internal error is often the RPC endpoint: web3.js words every failure its own way, so the
   * endpoint is asked directly (probe.ts) and, when it is down or no Solana node, the reply says so
   * instead of "internal error" (the log keeps the error under the same id).
   */
  private async explained(result: DispatchResult, locale: Locale): Promise<DispatchResult> {
    const reads = this.app.engine.reads as ChatServices['engine']['reads'] | undefined;
    if (result.outcome !== 'failed' || !result.code?.startsWith('INTERNAL:') || typeof reads?.probe !== 'function') return result;
    const verdict = await reads.probe().catch(() => null);
    if (!verdict || verdict.ok) return result;
    const errorId = result.code.slice('INTERNAL:'.length);
    this.logger.warn({ errorId, rpc: verdict }, 'the command failed while the RPC endpoint is down or no Solana node');
    return {
      ...result,
      code: verdict.kind === 'unreachable' ? 'RPC_UNREACHABLE' : 'RPC_NOT_SOLANA',
      reply: { text: t(locale, 'reply.rpcDown', { verdict: rpcVerdictMessage(verdict), errorId }), ephemeral: true },
    };
  }

  private async writeAudit(command: AnyCommand, caller: Caller | undefined, source: CallerSource, options: Record<string, unknown>, result: DispatchResult): Promise<void> {
    const id = typeof options['id'] === 'string' ? options['id'] : undefined;
    const planId = result.reply.planId ?? id;
    try {
      await this.audit.record({
        at: Date.now(),
        actor: source.actor,
        role: caller?.role ?? 'holder',
        chat: source.chat,
        action: command.name,
        outcome: result.outcome,
        ...(planId !== undefined ? { planId } : {}),
        options,
        ...(result.code !== undefined && !result.code.startsWith('INTERNAL:') ? { code: result.code } : {}),
        ...(result.code?.startsWith('INTERNAL:') ? { errorId: result.code.slice('INTERNAL:'.length) } : {}),
      });
    } catch (err) {
      // The action already happened; a lost audit line is logged loudly rather than hidden.
      this.logger.error({ err, command: command.name, planId, userId: source.actor.userId }, 'audit entry not written');
    }
  }
}

/**
 * Every reply passes the logger's scrubber on its way to a chat (docs/invariants.md invariant 6): an RPC URL
 * with a key (url-secrets.ts's rule), a bot token or keypair bytes that a handler or an error message
 * let through are masked here, once for every platform. Explorer links stay whole.
 */
function withoutSecrets(result: DispatchResult): DispatchResult {
  const text = redactString(result.reply.text);
  return text === result.reply.text ? result : { ...result, reply: { ...result.reply, text } };
}

/**
 * The options handed to the audit log: private ones only say that they were given. The audit log
 * itself drops key material and cuts long values. A null-prototype object: a typed `__proto__:x`
 * is an option name like any other here.
 */
function auditable(command: AnyCommand, options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    out[name] = command.options.find((o) => o.name === name)?.private ? '(given)' : value;
  }
  return out;
}

const runtimes = new WeakMap<ChatServices, Promise<ChatRuntime>>();

/** The one runtime of an app, shared by its adapters (one audit log, one wallet lock, one button registry). */
export function chatRuntime(app: ChatServices, opts: ChatRuntimeOptions = {}): Promise<ChatRuntime> {
  let runtime = runtimes.get(app);
  if (!runtime) {
    runtime = ChatRuntime.create(app, opts);
    runtimes.set(app, runtime);
  }
  return runtime;
}
