/**
 * How commands are offered on each platform, through the real grammY and
 * discord.js against the stand-ins: Telegram's command menu per scope; Discord's registration with
 * a default member permission for operator and admin commands and the money-moving group offered in
 * servers only; in a DM an operator by server role is told that roles do not apply there; a
 * preview's buttons are disabled once used; /wallet link typed in a Telegram group is answered in
 * private.
 */
import { InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { discordCommandPayload } from '../src/platforms/discord/register.js';
import { startTelegram } from '../src/platforms/telegram/start-telegram.js';
import { loadCommands } from '../src/chat/loader.js';
import { startChatApp } from './helpers/chat-app.js';
import { answerTo, disabledButtons, discordWorld, previewPlan } from './helpers/discord-world.js';
import { startTelegramStandin, type TelegramStandin } from './standins/telegram.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function telegramWorld(): Promise<{ telegram: TelegramStandin; group: number }> {
  const telegram = await startTelegramStandin({ token: `7000000001:${'A'.repeat(35)}` });
  cleanups.push(() => telegram.close());
  const group = telegram.fixture.group.id;
  const chat = await startChatApp({
    config: {
      telegram: { token: telegram.token, apiRoot: telegram.apiRoot },
      roles: {
        admin: { telegramUserIds: [String(telegram.fixture.user('group_owner').id)] },
        operator: { telegramChatAdmins: true, telegramUserIds: [String(telegram.fixture.user('alice').id)] },
      },
      channels: { alerts: { telegram: String(group) } },
    },
  });
  cleanups.push(() => chat.close());
  const bot = await startTelegram(chat.app, { botInfo: telegram.botInfo });
  cleanups.push(() => bot.stop());
  await bot.ready;
  return { telegram, group };
}

const menuOf = (t: TelegramStandin, scope: object, language = '') =>
  Object.fromEntries((t.commands.get(`${JSON.stringify(scope)}|${language}`) ?? []).map((c) => [c.command, c.description]));

describe('Telegram', () => {
  it('sets a command menu per scope: holders everywhere, operators for chat administrators and listed users, admins for theirs', async () => {
    const { telegram, group } = await telegramWorld();
    const [alice, owner] = [telegram.fixture.user('alice').id, telegram.fixture.user('group_owner').id];
    // Six scopes, each in English (no language_code) and in Japanese.
    await vi.waitFor(() => expect(telegram.commands.size).toBe(12), { timeout: 10_000, interval: 20 });

    const everyone = menuOf(telegram, { type: 'default' });
    expect(Object.keys(everyone).sort()).toEqual(['distribute', 'help', 'language', 'rewards', 'wallet']);
    const japanese = menuOf(telegram, { type: 'default' }, 'ja');
    expect(Object.keys(japanese).sort()).toEqual(Object.keys(everyone).sort());
    expect(japanese['distribute']).toBe('報酬配布のプレビュー、確定、管理: history, status');
    expect(japanese['rewards']).toBe('ウォレットが配布ごとに受け取った報酬（既定はリンク済みのウォレット）');
    expect(everyone['distribute']).toBe('Preview, confirm and manage reward distributions: history, status');
    const admins = menuOf(telegram, { type: 'all_chat_administrators' });
    expect(Object.keys(admins)).toEqual(expect.arrayContaining(['distribute', 'health', 'holders', 'alerts', 'report']));
    expect(admins['distribute']).toMatch(/cancel, confirm, export, history, pause, preview, resume, retry, status/);
    expect(admins).not.toHaveProperty('config');
    expect(menuOf(telegram, { type: 'chat', chat_id: alice })).toEqual(admins);
    expect(menuOf(telegram, { type: 'chat_member', chat_id: group, user_id: alice })).toEqual(admins);
    const ownerMenu = menuOf(telegram, { type: 'chat', chat_id: owner });
    expect(ownerMenu['config']).toBe('The bot configuration (admins): show');
    expect(menuOf(telegram, { type: 'chat_member', chat_id: group, user_id: owner })).toEqual(ownerMenu);
  });

  it('answers /wallet link typed in a group in a private chat, and tells the group where the answer went', async () => {
    const { telegram, group } = await telegramWorld();
    const bob = telegram.fixture.user('bob');
    const reply = async (text: string, from: string) => {
      const id = telegram.sendText({ text, from }).message?.message_id;
      return vi.waitFor(
        () => {
          const m = telegram.messagesIn(group).find((x) => x.fromBot && x.replyToMessageId === id);
          if (!m) throw new Error('no answer yet');
          return m.current.text;
        },
        { timeout: 20_000, interval: 20 },
      );
    };
    // bob never opened a chat with the bot: it cannot write to him first, and the group gets no challenge.
    const closed = await reply('/wallet link', 'bob');
    expect(closed).toBe(
      'The answer to /wallet link is for you alone, and I cannot write to you first: open a private chat with @tributary_test_bot, press Start and send the command there.',
    );
    expect(telegram.messagesIn(group).some((m) => m.current.text.includes('Tributary wallet link |'))).toBe(false);

    telegram.sendText({ text: '/start', from: 'bob', chatId: bob.id });
    expect(await reply('/wallet link', 'bob')).toBe('I sent you the answer to /wallet link in a private chat: it is for you alone.');
    const dm = await vi.waitFor(
      () => {
        const m = telegram.messagesIn(bob.id).find((x) => x.fromBot && x.current.text.includes('Tributary wallet link |'));
        if (!m) throw new Error('no DM yet');
        return m.current.text;
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(dm).toMatch(new RegExp(`^Tributary wallet link \\| telegram:${bob.id} \\| nonce \\w+`, 'm'));
    expect(telegram.messagesIn(group).some((m) => m.current.text.includes('Tributary wallet link |'))).toBe(false);
    // Other answers stay in the group.
    expect(await reply('/help', 'bob')).toMatch(/^You are a holder here/);
  });
});

describe('Discord', () => {
  it('registers operator and admin commands with a default member permission, and the money-moving group for servers only unless configured', async () => {
    const { commands } = await loadCommands();
    const byName = (payload: ReturnType<typeof discordCommandPayload>) => Object.fromEntries(payload.map((c) => [c.name, c]));
    const payload = byName(discordCommandPayload(commands));
    const manageGuild = PermissionFlagsBits.ManageGuild.toString();
    expect(payload['config']?.default_member_permissions).toBe(PermissionFlagsBits.Administrator.toString());
    for (const name of ['health', 'holders', 'alerts', 'report']) expect(payload[name]?.default_member_permissions, name).toBe(manageGuild);
    // Holders use these (distribute status and history are in the distribute group).
    for (const name of ['distribute', 'help', 'language', 'rewards', 'wallet']) expect(payload[name]?.default_member_permissions, name).toBeNull();
    expect(payload['distribute']?.contexts).toEqual([InteractionContextType.Guild]);
    for (const name of ['health', 'help', 'rewards', 'wallet', 'config'])
      expect(payload[name]?.contexts, name).toEqual([InteractionContextType.Guild, InteractionContextType.BotDM]);
    expect(byName(discordCommandPayload(commands, { allowMoneyCommandsInDMs: true }))['distribute']?.contexts).toEqual([
      InteractionContextType.Guild,
      InteractionContextType.BotDM,
    ]);

    // What Discord itself then does: a DM is not offered /distribute.
    const w = await discordWorld(cleanups);
    const registered = Object.fromEntries((w.discord.commands.guilds.get(w.discord.fixture.guild.id) ?? []).map((c) => [c.name, c]));
    expect(registered['distribute']?.contexts).toEqual([InteractionContextType.Guild]);
    expect(registered['holders']?.default_member_permissions).toBe(manageGuild);
    expect(() => w.discord.dispatchInteraction({ name: 'distribute confirm', options: { id: 'abcd1234' }, user: 'alice', guildId: null })).toThrow(/not offered in DMs/);
  });

  it('registers every command, subcommand and option with Japanese descriptions, and the names as they are typed', async () => {
    const w = await discordWorld(cleanups);
    const registered = Object.fromEntries((w.discord.commands.guilds.get(w.discord.fixture.guild.id) ?? []).map((c) => [c.name, c]));
    const distribute = registered['distribute'];
    expect(distribute?.name_localizations).toEqual({ ja: 'distribute' });
    expect(distribute?.description_localizations?.ja).toBe('報酬配布のプレビュー、確定、管理');
    const preview = distribute?.options?.find((o) => o.name === 'preview') as {
      description_localizations?: Record<string, string>;
      options?: { name: string; description_localizations?: Record<string, string> }[];
    };
    expect(preview.description_localizations?.ja).toBe('ホルダーのスナップショットを取り、正確なプランを表示します（確定するまで送信しません）');
    expect(preview.options?.find((o) => o.name === 'amount')?.description_localizations?.ja).toBe('配布する合計額（報酬の単位、例: 1000 または 0.5）');
    expect(registered['rewards']?.description_localizations?.ja).toBe('ウォレットが配布ごとに受け取った報酬（既定はリンク済みのウォレット）');
  });

  it('tells an operator by server role, in a DM, that roles do not apply there; others get the usual refusal', async () => {
    const w = await discordWorld(cleanups);
    const alice = w.discord.dispatchInteraction({ name: 'health', user: 'alice', guildId: null });
    expect((await answerTo(w.discord, alice.id)).current.content).toBe(
      '✖ /health is for operators. Your operator role comes from a Discord server role, and server roles do not apply in direct messages: run it in the server (or an admin can list your user id under roles.operator.discordUserIds).',
    );
    const bob = w.discord.dispatchInteraction({ name: 'health', user: 'bob', guildId: null });
    expect((await answerTo(w.discord, bob.id)).current.content).toBe(
      '✖ /health is for operators, and you are not one here. An admin can add you under roles.operator in the config.',
    );
    // In the server, alice is an operator.
    const inServer = w.discord.dispatchInteraction({ name: 'health', user: 'alice' });
    expect((await answerTo(w.discord, inServer.id)).current.content).toMatch(/^Network: localnet/);
  });

  it('disables the Confirm and Cancel buttons of a preview once one of them was used, as Telegram takes them off', async () => {
    const w = await discordWorld(cleanups);
    const { answer, planId, buttons } = await previewPlan(w);
    expect(disabledButtons(answer)).toEqual({ Confirm: false, Cancel: false });
    // A refused press (someone else's button) leaves them as they are.
    const bob = w.discord.dispatchInteraction({ customId: buttons['Confirm'] as string, user: 'bob', messageId: answer.id });
    await answerTo(w.discord, bob.id);
    expect(disabledButtons(w.discord.messages.get(answer.id) as never)).toEqual({ Confirm: false, Cancel: false });

    const press = w.discord.dispatchInteraction({ customId: buttons['Cancel'] as string, user: 'alice', messageId: answer.id });
    expect((await answerTo(w.discord, press.id)).current.content).toContain(planId);
    expect(disabledButtons(w.discord.messages.get(answer.id) as never)).toEqual({ Confirm: true, Cancel: true });
    // The preview text itself is unchanged.
    expect(w.discord.messages.get(answer.id)?.current.content).toBe(answer.history[0]?.content);
  });
});
