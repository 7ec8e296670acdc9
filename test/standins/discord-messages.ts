/**
 * Messages the bot created on the Discord stand-in, in channels or as
 * interaction responses, each with its full edit history so a test can assert
 * "the progress message was edited N times and ends with 100%".
 */
import { MessageFlags, MessageType } from 'discord.js';
import type { APIAttachment, APIEmbed, APIMessage, APIMessageTopLevelComponent, APIUser } from 'discord.js';
import { DiscordErrors } from './discord-errors.js';
import type { Snowflakes } from './discord-fixtures.js';
import type { UploadedFile } from './http.js';

export interface StoredAttachment {
  id: string;
  filename: string;
  contentType: string | undefined;
  description: string | undefined;
  bytes: Buffer;
}

/** One state of a message: what users saw between two edits. */
export interface MessageVersion {
  at: number;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: StoredAttachment[];
  flags: number;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  /** A bot post in a channel, an interaction's original response, or an interaction follow-up. */
  origin: 'channel' | 'interaction-response' | 'followup';
  interactionId: string | undefined;
  /** The nonce the bot sent with the create, if any. */
  nonce: string | undefined;
  createdAt: number;
  deletedAt: number | undefined;
  /** Every version, oldest first; `history.length - 1` is the number of edits. */
  history: MessageVersion[];
  /** The last version: what users see now. */
  current: MessageVersion;
}

/** The message fields Discord accepts on create and edit (the subset the stand-in keeps). */
export interface MessageBody {
  content?: string | null;
  embeds?: APIEmbed[] | null;
  components?: APIMessageTopLevelComponent[] | null;
  attachments?: Array<{ id: string | number; filename?: string; description?: string }> | null;
  flags?: number | null;
  /** Create only: up to 25 characters; with `enforce_nonce`, a repeat within NONCE_WINDOW_MS returns the first message. */
  nonce?: string | number | null;
  enforce_nonce?: boolean | null;
}

const MAX_CONTENT = 2_000;
const MAX_EMBEDS = 10;
const MAX_CUSTOM_ID = 100;
const MAX_NONCE = 25;
/**
 * How long a nonce is remembered. Discord says only "the past few minutes"; the stand-in keeps it
 * 3 minutes (docs/platform-limits.md).
 */
export const NONCE_WINDOW_MS = 3 * 60_000;

export class MessageStore {
  readonly messages = new Map<string, StoredMessage>();

  constructor(
    private readonly ids: Snowflakes,
    private readonly author: APIUser,
    private readonly applicationId: string,
    /** Where attachment URLs point; only their shape matters to clients. */
    private readonly cdnBase: string,
  ) {}

  inChannel(channelId: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId && m.deletedAt === undefined);
  }

  create(channelId: string, body: MessageBody, files: UploadedFile[], origin: StoredMessage['origin'], interactionId?: string): StoredMessage {
    const nonce = body.nonce === undefined || body.nonce === null ? undefined : String(body.nonce);
    if (nonce !== undefined && nonce.length > MAX_NONCE) throw DiscordErrors.invalidFormBody('nonce', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_NONCE} or fewer in length.`);
    if (nonce !== undefined && body.enforce_nonce === true) {
      // The same author sent the same nonce lately: that message again, and nothing new.
      const now = Date.now();
      for (const m of this.messages.values()) {
        if (m.channelId === channelId && m.nonce === nonce && m.deletedAt === undefined && now - m.createdAt <= NONCE_WINDOW_MS) return m;
      }
    }
    const version = this.version(undefined, body, files);
    if (!version.content && version.embeds.length === 0 && version.attachments.length === 0 && version.components.length === 0) {
      throw DiscordErrors.emptyMessage();
    }
    return this.insert(channelId, version, origin, interactionId, nonce);
  }

  /** The "Bot is thinking..." message a deferred reply shows until it is edited. */
  createLoading(channelId: string, flags: number, interactionId: string): StoredMessage {
    const version: MessageVersion = { at: Date.now(), content: '', embeds: [], components: [], attachments: [], flags: flags | MessageFlags.Loading };
    return this.insert(channelId, version, 'interaction-response', interactionId);
  }

  /** Applies an edit: fields present replace, fields absent are kept; an edit of a loading message ends the loading state. */
  edit(message: StoredMessage, body: MessageBody, files: UploadedFile[]): StoredMessage {
    const version = this.version(message.current, body, files);
    version.flags &= ~MessageFlags.Loading;
    if (!version.content && version.embeds.length === 0 && version.attachments.length === 0 && version.components.length === 0) {
      throw DiscordErrors.emptyMessage();
    }
    message.history.push(version);
    message.current = version;
    return message;
  }

  get(messageId: string): StoredMessage | undefined {
    const message = this.messages.get(messageId);
    return message?.deletedAt === undefined ? message : undefined;
  }

  toApi(message: StoredMessage): APIMessage {
    const { current } = message;
    const isInteraction = message.interactionId !== undefined;
    return {
      id: message.id,
      channel_id: message.channelId,
      author: this.author,
      content: current.content,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.history.length > 1 ? new Date(current.at).toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: current.attachments.map((a) => this.attachmentToApi(message.channelId, a)),
      embeds: current.embeds,
      pinned: false,
      type: isInteraction && message.origin === 'interaction-response' ? MessageType.ChatInputCommand : MessageType.Default,
      flags: current.flags,
      components: current.components,
      // Interaction responses are posted through the application's webhook, which Discord shows as webhook_id.
      ...(isInteraction ? { webhook_id: this.applicationId, application_id: this.applicationId } : {}),
    };
  }

  private insert(channelId: string, version: MessageVersion, origin: StoredMessage['origin'], interactionId: string | undefined, nonce?: string): StoredMessage {
    const message: StoredMessage = {
      id: this.ids.next(),
      channelId,
      origin,
      interactionId,
      nonce,
      createdAt: version.at,
      deletedAt: undefined,
      history: [version],
      current: version,
    };
    this.messages.set(message.id, message);
    return message;
  }

  /** Builds the next version from the previous one (or nothing) and a request body, validating like Discord. */
  private version(previous: MessageVersion | undefined, body: MessageBody, files: UploadedFile[]): MessageVersion {
    const content = body.content === undefined ? (previous?.content ?? '') : (body.content ?? '');
    if (content.length > MAX_CONTENT) {
      throw DiscordErrors.invalidFormBody('content', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CONTENT} or fewer in length.`);
    }
    const embeds = body.embeds === undefined ? (previous?.embeds ?? []) : (body.embeds ?? []);
    if (embeds.length > MAX_EMBEDS) {
      throw DiscordErrors.invalidFormBody('embeds', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_EMBEDS} or fewer in length.`);
    }
    const components = body.components === undefined ? (previous?.components ?? []) : (body.components ?? []);
    checkCustomIds(components, 'components');
    return {
      at: Date.now(),
      content,
      embeds,
      components,
      attachments: this.attachments(previous?.attachments ?? [], body.attachments ?? undefined, files),
      flags: body.flags ?? previous?.flags ?? 0,
    };
  }

  /**
   * Discord's attachment rules: `attachments` in the body lists what the message
   * keeps (ids of existing attachments) and describes new uploads (id = the n of
   * the `files[n]` field); without it, existing attachments stay and uploads are added.
   */
  private attachments(existing: StoredAttachment[], listed: NonNullable<MessageBody['attachments']> | undefined, files: UploadedFile[]): StoredAttachment[] {
    const kept = listed === undefined ? existing : existing.filter((a) => listed.some((l) => String(l.id) === a.id));
    const added = files.map((file, index) => {
      const fileIndex = /^files\[(\d+)\]$/.exec(file.field)?.[1] ?? String(index);
      const entry = listed?.find((l) => String(l.id) === fileIndex);
      return {
        id: this.ids.next(),
        filename: entry?.filename ?? file.filename,
        contentType: file.contentType,
        description: entry?.description,
        bytes: file.bytes,
      };
    });
    return [...kept, ...added];
  }

  private attachmentToApi(channelId: string, a: StoredAttachment): APIAttachment {
    const url = `${this.cdnBase}/attachments/${channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
    return {
      id: a.id,
      filename: a.filename,
      size: a.bytes.length,
      url,
      proxy_url: url,
      ...(a.contentType === undefined ? {} : { content_type: a.contentType }),
      ...(a.description === undefined ? {} : { description: a.description }),
    };
  }
}

/** Discord rejects a custom_id longer than 100 characters; walk rows and their children. */
function checkCustomIds(components: readonly unknown[], path: string): void {
  components.forEach((component, index) => {
    if (typeof component !== 'object' || component === null) return;
    const { custom_id: customId, components: children } = component as { custom_id?: unknown; components?: unknown };
    if (typeof customId === 'string' && customId.length > MAX_CUSTOM_ID) {
      throw DiscordErrors.invalidFormBody(`${path}.${index}.custom_id`, 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${MAX_CUSTOM_ID} in length.`);
    }
    if (Array.isArray(children)) checkCustomIds(children, `${path}.${index}.components`);
  });
}
