import type { Api } from 'grammy';
import type { ProgressSurface } from '../../chat/progress.js';
import type { ReplyFile } from '../../chat/types.js';
import { isNotModified, isUneditable, sendFile } from './messages.js';

/**
 * One message per distribution, edited as it runs; the summary's CSV follows as a document replying
 * to it. After a restart it is given the id of the message it posted before and edits that one; if
 * that message is gone, it posts a new one.
 */
export class TelegramProgress implements ProgressSurface {
  constructor(
    private readonly api: Api,
    private readonly chatId: number | string,
    private messageId: number | undefined = undefined,
  ) {}

  async update(text: string): Promise<void> {
    if (this.messageId !== undefined) {
      try {
        await this.api.editMessageText(this.chatId, this.messageId, text);
        return;
      } catch (err) {
        if (isNotModified(err)) return;
        if (!isUneditable(err)) throw err;
      }
    }
    this.messageId = (await this.api.sendMessage(this.chatId, text)).message_id;
  }

  async finish(text: string, files: ReplyFile[]): Promise<void> {
    await this.update(text);
    for (const file of files) await sendFile(this.api, this.chatId, file, this.messageId);
  }

  where() {
    return this.messageId !== undefined ? { messageId: String(this.messageId) } : {};
  }
}
