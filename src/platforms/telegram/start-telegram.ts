/**
 * The Telegram bot: long polling in, command calls out, replies back. Commands are typed as text
 * (same syntax as the console); buttons are inline keyboards whose callback_data is a short key
 * from the button registry (Telegram allows 64 bytes). Outgoing calls go through the throttler
 * (about 1 message/s per chat, 20/min per group, 30/s overall) and auto-retry (429 retry_after).
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler, type APIThrottlerOptions } from '@grammyjs/transformer-throttler';
import { Bot, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { AppContext } from '../../app/context.js';
import { ProgressHub } from '../../chat/progress.js';
import { resolveRole } from '../../chat/roles.js';
import { chatRuntime, type CallerSource, type DispatchResult } from '../../chat/runtime.js';
import type { OpsNotifier } from '../../monitor/notifier.js';
import { sendReply } from './messages.js';
import { telegramNotifier } from './notifier.js';
import { TelegramProgress } from './progress.js';

export interface TelegramAdapterOptions {
  /** The bot's own user, to skip getMe at start. Default: asked with getMe. */
  botInfo?: UserFromGetMe;
  /** Outgoing limits; false turns throttling off (tests). Default: the throttler's Telegram limits. */
  throttle?: APIThrottlerOptions | false;
  /** How long a chat administrator lookup is reused. Default 60000 ms. */
  chatAdminTtlMs?: number;
}

export interface TelegramAdapter {
  stop(): Promise<void>;
  notifier: OpsNotifier;
}

const CALLBACK_ANSWER_LIMIT = 200;

export async function startTelegram(app: AppContext, opts: TelegramAdapterOptions = {}): Promise<TelegramAdapter> {
  const { config } = app;
  const token = config.telegram.token;
  if (!token) throw new Error('the Telegram adapter needs a bot token: set TELEGRAM_TOKEN');
  const logger = app.logger.child({ component: 'telegram' });
  const runtime = await chatRuntime(app);
  const hub = new ProgressHub(app, logger);
  const bot = new Bot(token, {
    ...(config.telegram.apiRoot ? { client: { apiRoot: config.telegram.apiRoot } } : {}),
    ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
  });
  if (opts.throttle !== false) bot.api.config.use(apiThrottler(opts.throttle ?? {}));
  // Installed last, so it is the outermost layer: a retried call queues in the throttler again.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));

  const admins = new ChatAdminCache(bot, opts.chatAdminTtlMs ?? 60_000);
  const queue = new PerChat();

  // Long polling hands updates over one at a time; a slow command (a preview reads the whole
  // holder list) must not hold up other chats, so each chat gets its own queue and polling goes on.
  bot.on('message:text', (ctx) => {
    const text = ctx.message.text;
    if (!text.startsWith('/')) return;
    queue.run(ctx.chat.id, () => onText(ctx, text)).catch((err: unknown) => logger.error({ err }, 'command not answered'));
  });
  bot.on('callback_query:data', (ctx) => {
    const chatId = ctx.chat?.id ?? ctx.from.id;
    queue.run(chatId, () => onPress(ctx, ctx.callbackQuery.data)).catch((err: unknown) => logger.error({ err }, 'button not answered'));
  });
  bot.catch((err) => logger.error({ err: err.error }, 'telegram update failed'));

  await bot.init();
  let polling: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    polling = bot
      .start({ onStart: () => resolve(), allowed_updates: ['message', 'callback_query'] })
      .catch((err: unknown) => {
        logger.error({ err }, 'telegram polling stopped');
        reject(err as Error);
      });
  });
  logger.info({ username: bot.botInfo.username }, 'telegram bot polling');
  app.monitoring?.addHealthCheck('telegram', async () => (bot.isRunning() ? { ok: true, detail: 'polling' } : { ok: false, detail: 'not polling' }));

  function callerOf(ctx: Context): CallerSource {
    const from = ctx.from;
    const chat = ctx.chat;
    if (!from) throw new Error('update without a sender');
    const chatId = String(chat?.id ?? from.id);
    const group = chat !== undefined && (chat.type === 'group' || chat.type === 'supergroup');
    return {
      actor: { platform: 'telegram', userId: String(from.id), name: from.username ?? from.first_name },
      chat: { platform: 'telegram', id: chatId },
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
      const buttons = reply.buttons?.length ? await runtime.buttons.issue(reply.buttons, callerOf(ctx), reply.buttonTtlMs) : undefined;
      await sendReply(bot.api, { chatId, ...(replyTo !== undefined ? { replyTo } : {}) }, reply.text, {
        ...(buttons ? { buttons } : {}),
        ...(reply.files ? { files: reply.files } : {}),
      });
    } finally {
      // After the answer, so the chat reads in order; even when the answer failed to arrive.
      if (reply.followProgress) {
        const id = reply.followProgress;
        const target = config.channels.progress.telegram ?? chatId;
        hub.follow(id, `telegram:${target}`, new TelegramProgress(bot.api, target)).catch((err: unknown) => {
          logger.warn({ err, distributionId: id }, 'progress message not started');
        });
      }
    }
  }

  return {
    notifier: telegramNotifier(bot.api, config),
    async stop() {
      if (bot.isRunning()) await bot.stop();
      await polling.catch(() => undefined);
      await queue.idle();
      hub.stop();
    },
  };
}

/** Work per chat in arrival order; chats in parallel. */
class PerChat {
  private readonly tails = new Map<number, Promise<void>>();

  run(chatId: number, work: () => Promise<void>): Promise<void> {
    const next = (this.tails.get(chatId) ?? Promise.resolve()).then(work);
    const tail = next.catch(() => undefined);
    this.tails.set(chatId, tail);
    void tail.then(() => {
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
    });
    return next;
  }

  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}

/** Whether a user administers a group; asked with getChatMember and remembered a while. */
class ChatAdminCache {
  private readonly known = new Map<string, { admin: boolean; until: number }>();

  constructor(
    private readonly bot: Bot,
    private readonly ttlMs: number,
  ) {}

  async isAdmin(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const hit = this.known.get(key);
    if (hit && hit.until > Date.now()) return hit.admin;
    const member = await this.bot.api.getChatMember(chatId, userId);
    const admin = member.status === 'creator' || member.status === 'administrator';
    this.known.set(key, { admin, until: Date.now() + this.ttlMs });
    return admin;
  }
}
