/**
 * The little world the Telegram stand-in serves: the bot, some users and one
 * supergroup in which each user has a member status (what
 * getChatAdministrators and getChatMember report).
 */
import type { Chat, ChatMember, User, UserFromGetMe } from 'grammy/types';

export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface TelegramFixtureOptions {
  /** Bot token in Telegram's `<bot id>:<secret>` form; the bot's id is the part before the colon. Default `7000000001:AAH-stand-in-token`. */
  token?: string;
  /** Default `tributary_test_bot`. */
  botUsername?: string;
  /** Default `Tributary Ops`. */
  groupTitle?: string;
  /** Users and their status in the group. Default: `group_owner` creator, `alice` administrator, `bob` member. The bot is an administrator. */
  users?: Array<{ username: string; status?: MemberStatus /** The app's language (Telegram's language_code). Default "en". */; languageCode?: string }>;
}

export interface TelegramFixture {
  token: string;
  bot: UserFromGetMe;
  /** The supergroup; supergroup ids are negative and start with -100, like Telegram's. */
  group: Chat.SupergroupChat;
  users: User[];
  /** chat id -> user id -> status. */
  members: Map<number, Map<number, MemberStatus>>;
  /** A user by username; throws with the known names. */
  user(username: string): User;
}

export function buildTelegramFixture(options: TelegramFixtureOptions = {}): TelegramFixture {
  const token = options.token ?? '7000000001:AAH-stand-in-token';
  const botId = Number(token.split(':')[0]);
  if (!Number.isSafeInteger(botId) || botId <= 0) throw new Error(`a Telegram token starts with the bot id and a colon; got ${token.slice(0, 4)}...`);
  const bot: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: 'Tributary',
    username: options.botUsername ?? 'tributary_test_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
  const group: Chat.SupergroupChat = { id: -1001000000001, type: 'supergroup', title: options.groupTitle ?? 'Tributary Ops' };
  const specs = options.users ?? [
    { username: 'group_owner', status: 'creator' as const },
    { username: 'alice', status: 'administrator' as const },
    { username: 'bob', status: 'member' as const },
  ];
  const users: User[] = specs.map((spec, index) => ({
    id: 1001 + index,
    is_bot: false,
    first_name: spec.username,
    username: spec.username,
    language_code: spec.languageCode ?? 'en',
  }));
  const groupMembers = new Map<number, MemberStatus>([[bot.id, 'administrator']]);
  specs.forEach((spec, index) => groupMembers.set(1001 + index, spec.status ?? 'member'));

  return {
    token,
    bot,
    group,
    users,
    members: new Map([[group.id, groupMembers]]),
    user(username) {
      const found = users.find((u) => u.username === username);
      if (!found) throw new Error(`no user named ${username}; users: ${users.map((u) => u.username).join(', ')}`);
      return found;
    },
  };
}

/** The ChatMember object Telegram returns for a status (administrator rights are those of a typical ops admin). */
export function chatMember(user: User, status: MemberStatus): ChatMember {
  switch (status) {
    case 'creator':
      return { status, user, is_anonymous: false };
    case 'administrator':
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_send_welcome_messages: false,
      };
    case 'member':
      return { status, user };
    case 'left':
      return { status, user };
    case 'kicked':
      return { status, user, until_date: 0 };
    case 'restricted':
      return {
        status,
        user,
        is_member: true,
        can_send_messages: false,
        can_send_audios: false,
        can_send_documents: false,
        can_send_photos: false,
        can_send_videos: false,
        can_send_video_notes: false,
        can_send_voice_notes: false,
        can_send_polls: false,
        can_send_other_messages: false,
        can_add_web_page_previews: false,
        can_react_to_messages: false,
        can_change_info: false,
        can_invite_users: false,
        can_edit_tag: false,
        can_pin_messages: false,
        can_manage_topics: false,
        until_date: 0,
      };
  }
}
