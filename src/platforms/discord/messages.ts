/** CommandReply -> discord.js message payloads. Nothing else of the reply's meaning is decided here. */
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, MessageFlags } from 'discord.js';
import { splitText } from '../../chat/format.js';
import type { IssuedKey } from '../../chat/buttons.js';
import type { ReplyButton, ReplyFile } from '../../chat/types.js';

/** Discord's message content limit. */
export const DISCORD_TEXT_LIMIT = 2_000;
const BUTTONS_PER_ROW = 5;

export interface DiscordPayload {
  content: string;
  components?: ActionRowBuilder<ButtonBuilder>[];
  files?: AttachmentBuilder[];
  flags?: MessageFlags.Ephemeral;
}

/** One payload per 2,000 characters; buttons and files go with the last. */
export function payloads(text: string, opts: { buttons?: readonly IssuedKey[]; files?: readonly ReplyFile[]; ephemeral?: boolean }): DiscordPayload[] {
  const chunks = splitText(text, DISCORD_TEXT_LIMIT);
  return chunks.map((content, i) => {
    const last = i === chunks.length - 1;
    const payload: DiscordPayload = { content };
    if (last && opts.buttons?.length) payload.components = buttonRows(opts.buttons);
    if (last && opts.files?.length) payload.files = attachments(opts.files);
    if (opts.ephemeral) payload.flags = MessageFlags.Ephemeral;
    return payload;
  });
}

export function attachments(files: readonly ReplyFile[]): AttachmentBuilder[] {
  // discord.js reads a path itself when it sends.
  return files.map((f) => new AttachmentBuilder(f.path !== undefined ? f.path : Buffer.from(f.bytes), { name: f.name }));
}

function buttonRows(buttons: readonly IssuedKey[]): ActionRowBuilder<ButtonBuilder>[] {
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW) {
    rows.push(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        buttons.slice(i, i + BUTTONS_PER_ROW).map((b) => new ButtonBuilder().setCustomId(b.data).setLabel(b.label.slice(0, 80)).setStyle(style(b.style))),
      ),
    );
  }
  return rows;
}

function style(s: ReplyButton['style']): ButtonStyle {
  if (s === 'primary') return ButtonStyle.Primary;
  if (s === 'danger') return ButtonStyle.Danger;
  return ButtonStyle.Secondary;
}
