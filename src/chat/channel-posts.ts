/**
 * Posts that no command asked for (a schedule's occurrence: its preview waiting for approval, its
 * progress, a note that it was skipped) into a chat of any platform. Each adapter registers how it
 * posts a reply in one of its chats (its buttons open to everyone there, since no one person was
 * shown them; the commands' role checks still apply) and how it follows a distribution's progress
 * there; the schedule's messages (schedule-posts.ts) only name the chat.
 */
import type { ChatServices } from './services.js';
import type { Locale } from '../i18n/index.js';
import type { ChatRef, CommandReply } from './types.js';

export interface ChannelPoster {
  /** Posts `reply` in chat `chatId` of this platform; follows `reply.followProgress` there. Throws on a platform failure. */
  post(chatId: string, reply: CommandReply): Promise<void>;
  /** The language of every chat of this platform, whatever the channel's setting: the console's, for its one reader. */
  readonly locale?: Locale;
}

export class ChannelPosts {
  private readonly posters = new Map<string, ChannelPoster>();

  /** Registers the platform's poster; the returned function removes it (the adapter stops). */
  add(platform: string, poster: ChannelPoster): () => void {
    this.posters.set(platform, poster);
    return () => {
      if (this.posters.get(platform) === poster) this.posters.delete(platform);
    };
  }

  has(platform: string): boolean {
    return this.posters.has(platform);
  }

  /** The language a platform's poster writes in whatever the channel, if it has one (the console). */
  localeOf(platform: string): Locale | undefined {
    return this.posters.get(platform)?.locale;
  }

  /** Posts in `chat`; false when no adapter of that platform runs in this process. */
  async post(chat: ChatRef, reply: CommandReply): Promise<boolean> {
    const poster = this.posters.get(chat.platform);
    if (!poster) return false;
    await poster.post(chat.id, reply);
    return true;
  }
}

const registries = new WeakMap<ChatServices, ChannelPosts>();

/** The one registry of an app, shared by its adapters and its scheduler. */
export function channelPosts(app: ChatServices): ChannelPosts {
  let posts = registries.get(app);
  if (!posts) {
    posts = new ChannelPosts();
    registries.set(app, posts);
  }
  return posts;
}
