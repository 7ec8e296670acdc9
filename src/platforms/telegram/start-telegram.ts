/**
 * The Telegram bot: long polling in, command calls out, replies back. Commands are typed as text
 * (same syntax as the console); buttons are inline keyboards whose callback_data is a short key
 * from the button registry (Telegram allows 64 bytes). Outgoing calls go through auto-retry, which
 * waits out a 429's retry_after (grammY's advice rather than throttling every call ahead). Updates
 * are processed by grammY's runner, several at once; updates of one chat one after another.
 *
 * Connecting is a loop of its own (../link.ts): while the Bot API cannot be reached the adapter
 * says so in the log and in /healthz and tries again with backoff; the rest of the process runs.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { Api, Bot, GrammyError, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { LRUCache } from 'lru-cache';
import type { ChatServices } from '../../chat/services.js';
import { ProgressHub, type ProgressPlace } from '../../chat/progress.js';
import { channelPosts } from '../../chat/channel-posts.js';
import { telegramChannelPoster } from './channel-poster.js';
import { resolveRole } from '../../chat/roles.js';
import { chatRuntime, type CallerSource, type DispatchResult } from '../../chat/runtime.js';
import { progressLocale } from '../../chat/languages.js';
import { t } from '../../i18n/index.js';
import type { OpsNotifier } from '../../monitor/notifier.js';
import { PlatformLink } from '../link.js';
import { setTelegramMenus, telegramMenus } from './menus.js';
import { isForbidden, sendReply } from './messages.js';
import { telegramNotifier } from './notifier.js';
import { TelegramProgress } from './progress.js';

export interface TelegramAdapterOptions {
  /** The bot's own user, to skip getMe at start. Default: asked with getMe. */
  botInfo?: UserFromGetMe;
  /** How long a chat administrator lookup is reused. Default 60000 ms. */
  chatAdminTtlMs?: number;
  /** How long start waits for the first connection before going on (it keeps trying). Default 5000 ms. */
  firstConnectWaitMs?: number;
  /** First wait between connection attempts, doubling to a minute. Default 1000 ms. */
  reconnectBaseMs?: number;
}

export interface TelegramAdapter {
  stop(): Promise<void>;
  notifier: OpsNotifier;
  /** Resolves once polling; rejects if Telegram refused the token. */
  ready: Promise<void>;
}

const CALLBACK_ANSWER_LIMIT = 200;
/** Between getUpdates attempts while the Bot API does not answer: a steady pace, not a growing backoff. */
const POLL_RETRY_MS = 3_000;
/** Chat administrator lookups kept at once. */
const ADMIN_LOOKUPS_KEPT = 10_000;
const TELEGRAM_API = 'https://api.telegram.org';

export async function startTelegram(app: ChatServices, opts: TelegramAdapterOptions = {}): Promise<TelegramAdapter> {
  const { config } = app;
  const token = config.telegram.token;
  if (!token) throw new Error('the Telegram adapter needs a bot token: set TELEGRAM_TOKEN');
  const logger = app.logger.child({ component: 'telegram' });
  const runtime = await chatRuntime(app);
  const apiRoot = config.telegram.apiRoot ?? undefined;
  const bot = new Bot(token, {
    ...(apiRoot ? { client: { apiRoot } } : {}),
    ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
  });
  // Innermost layer, so it sees every attempt: whether long polling gets answers, for /healthz.
  let pollingError: string | null = null;
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      const result = await prev(method, payload, signal);
      if (method === 'getUpdates') pollingError = null;
      return result;
    } catch (err) {
      if (method === 'getUpdates' && !signal?.aborted) pollingError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  });
  // Not for getUpdates: the runner tries it again every POLL_RETRY_MS by itself, where auto-retry
  // would back a network failure off towards an hour and leave polling stopped long after an outage.
  const retry = autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 });
  bot.api.config.use((prev, method, payload, signal) => (method === 'getUpdates' ? prev(method, payload, signal) : retry(prev, method, payload, signal)));
  const hub = new ProgressHub<never>(app, logger, {
    platform: 'telegram',
    open: (place) => new TelegramProgress(bot.api, place.target, place.messageId !== undefined ? Number(place.messageId) : undefined),
  });

  const admins = new ChatAdminCache(bot, opts.chatAdminTtlMs ?? 60_000);

  // The runner processes updates side by side, so a slow command (a preview reads the whole holder
  // list) does not hold up other chats; within one chat, updates run in the order they came.
  bot.use(sequentialize((ctx: Context) => String(ctx.chat?.id ?? ctx.from?.id ?? 'none')));
  bot.on('message:text', async (ctx) => {
    const text = ctx.message.text;
    if (!text.startsWith('/')) return;
    await onText(ctx, text).catch((err: unknown) => logger.error({ err }, 'command not answered'));
  });
  bot.on('callback_query:data', async (ctx) => {
    await onPress(ctx, ctx.callbackQuery.data).catch((err: unknown) => logger.error({ err }, 'button not answered'));
  });
  bot.catch((err) => logger.error({ err: err.error }, 'telegram update failed'));

  let runner: RunnerHandle | null = null;
  let stopping = false;
  // A bare client for the connection check: the bot's own would retry network errors quietly.
  const probe = new Api(token, apiRoot ? { apiRoot } : {});
  const link = new PlatformLink({
    platform: 'Telegram',
    endpoint: apiRoot ?? TELEGRAM_API,
    logger,
    baseDelayMs: opts.reconnectBaseMs ?? 1_000,
    refusal: (err) =>
      err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)
        ? `the Bot API refused the token (${err.error_code} ${err.description}): check TELEGRAM_TOKEN`
        : null,
    async connect() {
      const me = await probe.getMe();
      if (!opts.botInfo) bot.botInfo = me;
      // Long polling and a webhook exclude each other: the webhook goes, as grammY's bot.start does.
      await bot.api.deleteWebhook();
      if (runner?.isRunning()) await runner.stop();
      const handle = run(bot, { runner: { fetch: { allowed_updates: ['message', 'callback_query'] }, retryInterval: POLL_RETRY_MS, silent: true } });
      runner = handle;
      // The runner gives up on errors it cannot recover from (a 401, a 409: another poller).
      void handle.task()?.then(
        () => {
          if (!stopping && runner === handle) link.lost(new Error('long polling ended'));
        },
        (err: unknown) => {
          if (!stopping && runner === handle) link.lost(err);
        },
      );
      return `polling as @${bot.botInfo.username}`;
    },
  });
  // Registered before the first attempt: /healthz says 503 while Telegram cannot be reached.
  app.monitoring?.addHealthCheck('telegram', async () => {
    const state = link.health();
    if (!state.ok) return state;
    if (!runner?.isRunning()) return { ok: false, detail: 'not polling' };
    return pollingError === null ? state : { ok: false, detail: `polling fails: ${pollingError}` };
  });
  void link.ready
    .then(
      async () => {
        logger.info({ username: bot.botInfo.username }, 'telegram bot polling');
        await setTelegramMenus(bot.api, telegramMenus(runtime.commands, config), logger);
        await hub.resumeFollowing();
      },
      () => undefined,
    )
    .catch((err: unknown) => logger.warn({ err }, 'progress of distributions run before the restart not resumed'));
  await link.start(opts.firstConnectWaitMs ?? 5_000);

  function callerOf(ctx: Context): CallerSource {
    const from = ctx.from;
    const chat = ctx.chat;
    if (!from) throw new Error('update without a sender');
    const chatId = String(chat?.id ?? from.id);
    const group = isGroup(ctx);
    return {
      actor: { platform: 'telegram', userId: String(from.id), name: from.username ?? from.first_name },
      chat: { platform: 'telegram', id: chatId },
      locale: from.language_code,
      role: () =>
        resolveRole(config, {
          platform: 'telegram',
          userId: String(from.id),
          ...(group ? { isChatAdmin: () => admins.isAdmin(Number(chatId), from.id) } : {}),
        }),
    };
  }

  async function onText(ctx: Context, text: string): Promise<void> {
    const result = await runtime.runText(text, callerOf(ctx), { botUsername: bot.botInfo.username });
    if (!result || !ctx.chat || !ctx.message) return;
    await deliver(ctx, result, ctx.chat.id, ctx.message.message_id);
  }

  async function onPress(ctx: Context, data: string): Promise<void> {
    let answered = false;
    const answer = async (text?: string) => {
      if (answered) return;
      answered = true;
      await ctx
        .answerCallbackQuery(text ? { text: text.slice(0, CALLBACK_ANSWER_LIMIT), show_alert: true } : {})
        .catch((err: unknown) => logger.warn({ err }, 'callback query not answered'));
    };
    try {
      const result = await runtime.press(data, callerOf(ctx));
      // Telegram has no private reply; a refused press is told in an alert only the presser sees.
      if (result.outcome !== 'done') {
        await answer(result.reply.text);
        return;
      }
      await answer();
      const message = ctx.callbackQuery?.message;
      const chatId = ctx.chat?.id;
      if (chatId === undefined) return;
      if (message) {
        // The buttons are used up: take them off the message so nobody presses them again.
        await ctx.api.editMessageReplyMarkup(chatId, message.message_id, { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
      }
      await deliver(ctx, result, chatId, message?.message_id);
    } finally {
      await answer();
    }
  }

  async function deliver(ctx: Context, result: DispatchResult, chatId: number, replyTo: number | undefined): Promise<void> {
    const { reply } = result;
    try {
      // A reply for the caller alone goes to their private chat when asked in a group.
      if (reply.personal && isGroup(ctx) && ctx.from) {
        await deliverPrivately(ctx.from.id, result, chatId, replyTo);
        return;
      }
      const buttons = reply.buttons?.length ? await runtime.buttons.issue(reply.buttons, callerOf(ctx), reply.buttonTtlMs) : undefined;
      await sendReply(bot.api, { chatId, ...(replyTo !== undefined ? { replyTo } : {}) }, reply.text, {
        ...(buttons ? { buttons } : {}),
        ...(reply.files ? { files: reply.files } : {}),
      });
    } finally {
      // After the answer, so the chat reads in order; even when the answer failed to arrive.
      if (reply.followProgress) {
        const id = reply.followProgress;
        const place: ProgressPlace = {
          platform: 'telegram',
          target: config.channels.progress.telegram ?? String(chatId),
          ...(ctx.from ? { userId: String(ctx.from.id) } : {}),
          locale: progressLocale(config, 'telegram', result.locale),
        };
        hub.followAt(id, place).catch((err: unknown) => {
          logger.warn({ err, distributionId: id }, 'progress message not started');
        });
      }
    }
  }

  /** Sends a personal reply to the user's private chat, and says in the group where it went. */
  async function deliverPrivately(userId: number, result: DispatchResult, groupId: number, replyTo: number | undefined): Promise<void> {
    const { reply } = result;
    const inGroup = { chatId: groupId, ...(replyTo !== undefined ? { replyTo } : {}) };
    try {
      await sendReply(bot.api, { chatId: userId }, reply.text, reply.files ? { files: reply.files } : {});
    } catch (err) {
      // A user who never opened a chat with the bot cannot be written to first (403).
      if (!isForbidden(err)) throw err;
      await sendReply(bot.api, inGroup, t(result.locale ?? config.language, 'reply.cannotWriteFirst', { command: result.command ?? '', bot: bot.botInfo.username }));
      return;
    }
    const locale = result.locale ?? config.language;
    await sendReply(bot.api, inGroup, result.command ? t(locale, 'reply.sentPrivately', { command: result.command }) : t(locale, 'reply.sentPrivatelyUnnamed'));
  }

  // A schedule's posts (its occurrences' previews, progress and notes) go into chats through here.
  const stopPosting = channelPosts(app).add(
    'telegram',
    telegramChannelPoster(
      bot.api,
      runtime.buttons,
      (id, place) => void hub.followAt(id, place).catch((err: unknown) => logger.warn({ err, distributionId: id }, 'progress message not started')),
      config.channels.progress.telegram,
    ),
  );

  return {
    notifier: telegramNotifier(bot.api, config),
    ready: link.ready,
    async stop() {
      stopPosting();
      stopping = true;
      await link.stop();
      // Waits for the updates being processed, as the chats' queues did.
      if (runner?.isRunning()) await runner.stop();
      hub.stop();
    },
  };
}

function isGroup(ctx: Context): boolean {
  const type = ctx.chat?.type;
  return type === 'group' || type === 'supergroup';
}

/** Whether a user administers a group; asked with getChatMember and remembered a while. */
class ChatAdminCache {
  private readonly known: LRUCache<string, boolean>;

  constructor(
    private readonly bot: Bot,
    ttlMs: number,
  ) {
    // Bounded: a bot in many busy groups must not keep every member it ever looked up.
    this.known = new LRUCache<string, boolean>({ max: ADMIN_LOOKUPS_KEPT, ttl: ttlMs });
  }

  async isAdmin(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const hit = this.known.get(key);
    if (hit !== undefined) return hit;
    const member = await this.bot.api.getChatMember(chatId, userId);
    const admin = member.status === 'creator' || member.status === 'administrator';
    this.known.set(key, admin);
    return admin;
  }
}
