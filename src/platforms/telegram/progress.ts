import type { Api } from 'grammy';
import type { ProgressSurface } from '../../chat/progress.js';
import type { ReplyFile } from '../../chat/types.js';
import { isNotModified, sendFile } from './messages.js';

/** One message per distribution, edited as it runs; the summary's CSV follows as a document replying to it. */
export class TelegramProgress implements ProgressSurface {
  private messageId: number | null = null;

  constructor(
    private readonly api: Api,
    private readonly chatId: number | string,
  ) {}

  async update(text: string): Promise<void> {
    if (this.messageId === null) {
      this.messageId = (await this.api.sendMessage(this.chatId, text)).message_id;
      return;
    }
    try {
      await this.api.editMessageText(this.chatId, this.messageId, text);
    } catch (err) {
      if (!isNotModified(err)) throw err;
    }
  }

  async finish(text: string, files: ReplyFile[]): Promise<void> {
    await this.update(text);
    for (const file of files) await sendFile(this.api, this.chatId, file, this.messageId ?? undefined);
  }
}
