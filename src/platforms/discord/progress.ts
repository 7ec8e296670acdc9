import { createHash } from 'node:crypto';
import { DiscordAPIError, type AttachmentBuilder, type ButtonInteraction, type ChatInputCommandInteraction, type Client } from 'discord.js';
import { DEFAULT_LOCALE, msg, say, translator, type Message, type Translator } from '../../i18n/index.js';
import type { Logger } from 'pino';
import type { ProgressPlace, ProgressSurface } from '../../chat/progress.js';
import type { ReplyFile } from '../../chat/types.js';
import { attachments } from './messages.js';

export type LiveInteraction = ChatInputCommandInteraction | ButtonInteraction;

/** Where the message is: the channel it is meant for, the command's follow-up, or a DM to the operator. */
type Spot = 'channel' | 'followup' | 'dm';

/** Discord keeps an interaction token 15 minutes; a follow-up is not started in its last minute. */
const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
const FOLLOWUP_MARGIN_MS = 60_000;
/** Unknown Message: the message was deleted; post a new one in the same place. */
const UNKNOWN_MESSAGE = 10_008;
/** Discord takes a message nonce of up to 25 characters (docs/platform-limits.md). */
const NONCE_LENGTH = 25;

/**
 * The progress message of one distribution: a normal channel message posted and edited with the
 * bot token, because an interaction token stops working 15 minutes after the command and a large
 * distribution runs longer.
 *
 * When the channel refuses (403 Missing Permissions or Missing Access, 404 Unknown Channel: the
 * bot's permissions changed after the check at confirm), the message goes on as a follow-up of the
 * command that started the run while its token is valid, and then as a DM to the operator; the
 * text says why it is there. After a restart (no interaction) it edits the message it posted
 * before, in the channel or the DM, or posts a new one.
 *
 * A process can stop between posting the message and storing its id. Posts therefore carry a
 * nonce made from the distribution and the place, with `enforce_nonce`: a restarted process posting
 * again within Discord's nonce window gets the same message back and edits it, instead of leaving
 * a second progress message stuck at the moment of the crash (docs/platform-limits.md).
 */
export class DiscordProgress implements ProgressSurface {
  private spot: Spot;
  private messageId: string | undefined;
  /** The DM channel, once the message is there. */
  private dmChannelId: string | undefined;
  /** Why the message is not in its channel, shown above it. */
  private note: string | null = null;
  /** What the channel answered when it refused; null: it refused before this process. */
  private channelReason: Message | null = null;
  /** The message's language (the place's). */
  private readonly t: Translator;
  /** Messages of this place found deleted so far: each new post gets a nonce of its own. */
  private reposts = 0;

  constructor(
    private readonly client: () => Client,
    private readonly distributionId: string,
    private readonly place: ProgressPlace,
    private readonly live: LiveInteraction | undefined,
    private readonly logger: Logger,
    private readonly tokenTtlMs = INTERACTION_TOKEN_TTL_MS,
  ) {
    this.messageId = place.messageId;
    this.dmChannelId = place.channelId;
    this.spot = place.channelId !== undefined ? 'dm' : 'channel';
    this.t = translator(place.locale ?? DEFAULT_LOCALE);
    if (this.spot === 'dm') this.note = this.t('reply.shownHereCould', { channel: place.target });
  }

  async update(text: string): Promise<void> {
    await this.show(text, []);
  }

  async finish(text: string, files: ReplyFile[]): Promise<void> {
    await this.show(text, files);
  }

  where(): Pick<ProgressPlace, 'messageId' | 'channelId'> {
    // A follow-up cannot be edited after a restart (its token is gone): the next process posts anew.
    if (this.spot === 'followup' || this.messageId === undefined) return {};
    return this.spot === 'dm' ? { messageId: this.messageId, ...(this.dmChannelId ? { channelId: this.dmChannelId } : {}) } : { messageId: this.messageId };
  }

  private async show(text: string, files: ReplyFile[]): Promise<void> {
    for (;;) {
      const content = this.note ? `${this.note}\n${text}` : text;
      const payload: { content: string; files?: AttachmentBuilder[] } = { content, ...(files.length ? { files: attachments(files) } : {}) };
      try {
        await this.showAt(payload);
        return;
      } catch (err) {
        if (isUnknownMessage(err) && this.messageId !== undefined) {
          // Deleted meanwhile: a new message in the same place.
          this.messageId = undefined;
          this.reposts += 1;
          continue;
        }
        const next = refused(err) ? this.nextSpot() : null;
        if (next === null) throw err;
        const reason = discordRefusal(err);
        this.logger.warn(
          { err, from: this.spot, to: next, channelId: this.place.target },
          `progress: Discord refused the ${this.spot} (${say('en', reason)}); going on in the ${next}`,
        );
        if (this.spot === 'channel') this.channelReason = reason;
        const where = { channel: this.place.target, reason: this.channelReason ?? this.t('reply.refusedEarlier') };
        this.note = next === 'dm' && this.spot === 'followup' ? this.t('reply.shownHereExpired', where) : this.t('reply.shownHere', where);
        this.spot = next;
        this.messageId = undefined;
      }
    }
  }

  private nextSpot(): Spot | null {
    if (this.spot === 'channel' && this.followupOpen()) return 'followup';
    if (this.spot !== 'dm' && this.place.userId !== undefined) return 'dm';
    return null;
  }

  private followupOpen(): boolean {
    return this.live !== undefined && Date.now() < this.live.createdTimestamp + this.tokenTtlMs - Math.min(FOLLOWUP_MARGIN_MS, this.tokenTtlMs / 15);
  }

  private async showAt(payload: { content: string; files?: AttachmentBuilder[] }): Promise<void> {
    switch (this.spot) {
      case 'channel': {
        const channel = await sendableChannel(this.client(), this.place.target);
        this.messageId = this.messageId ? (await channel.messages.edit(this.messageId, payload)).id : await this.post(channel, payload);
        return;
      }
      case 'followup': {
        const live = this.live as LiveInteraction;
        // The token expires while a long run goes on: then the DM takes over.
        if (!this.followupOpen()) throw new FollowupExpired();
        this.messageId = this.messageId ? (await live.webhook.editMessage(this.messageId, payload)).id : (await live.followUp(payload)).id;
        return;
      }
      case 'dm': {
        const client = this.client();
        const channel = this.dmChannelId ? await sendableChannel(client, this.dmChannelId) : await client.users.createDM(this.place.userId as string);
        this.dmChannelId = channel.id;
        this.messageId = this.messageId ? (await channel.messages.edit(this.messageId, payload)).id : await this.post(channel, payload);
        return;
      }
    }
  }

  /** Posts the message once per place: a post repeated within the nonce window gets the first message back, brought up to date. */
  private async post(channel: Sendable, payload: { content: string; files?: AttachmentBuilder[] }): Promise<string> {
    const nonce = createHash('sha256').update(`${this.distributionId}|${this.place.target}|${this.spot}|${this.reposts}`).digest('hex').slice(0, NONCE_LENGTH);
    const sent = await channel.send({ ...payload, nonce, enforceNonce: true });
    // The message an earlier process posted: it shows that process's last text.
    if (sent.content !== payload.content) await channel.messages.edit(sent.id, payload);
    return sent.id;
  }
}

class FollowupExpired extends Error {
  constructor() {
    super('the interaction token has expired');
  }
}

/** The bot may not post there, or the place is gone: try the next place. */
function refused(err: unknown): boolean {
  if (err instanceof FollowupExpired || err instanceof ChannelUnusable) return true;
  return err instanceof DiscordAPIError && (err.status === 401 || err.status === 403 || err.status === 404);
}

function isUnknownMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE;
}

/** Discord's refusals a reader can act on, by its error code; any other is quoted as Discord words it. */
const REFUSALS: Readonly<Record<number, 'missingAccess' | 'missingPermissions' | 'unknownChannel'>> = {
  50001: 'missingAccess',
  50013: 'missingPermissions',
  10003: 'unknownChannel',
};

/** Why Discord refused a post or a fetch, in words a reader can act on (catalogue `discord.refusal`). */
export function discordRefusal(err: unknown): Message {
  if (err instanceof DiscordAPIError) {
    const known = typeof err.code === 'number' ? REFUSALS[err.code] : undefined;
    return known ? msg(`discord.refusal.${known}`, { status: err.status }) : msg('discord.refusal.api', { status: err.status, error: err.message });
  }
  if (err instanceof FollowupExpired) return msg('discord.refusal.followupExpired');
  if (err instanceof ChannelUnusable) return msg('discord.refusal.notPostable');
  return msg('discord.refusal.other', { error: err instanceof Error ? err.message : String(err) });
}

class ChannelUnusable extends Error {}

type Sendable = Awaited<ReturnType<typeof sendableChannel>>;

export async function sendableChannel(client: Client, channelId: string) {
  const channel = await client.channels.fetch(channelId);
  if (!channel || !channel.isSendable()) throw new ChannelUnusable(`Discord channel ${channelId} is not one the bot can post in`);
  return channel;
}
