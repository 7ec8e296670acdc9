/**
 * The Bot API's error answers, with Telegram's own codes and descriptions,
 * so grammY raises the same GrammyErrors it raises in production.
 */

export class TelegramError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(`${errorCode} ${description}`);
  }

  toJSON(): { ok: false; error_code: number; description: string; parameters?: TelegramError['parameters'] } {
    return { ok: false, error_code: this.errorCode, description: this.description, ...(this.parameters ? { parameters: this.parameters } : {}) };
  }
}

const badRequest = (description: string) => (): TelegramError => new TelegramError(400, `Bad Request: ${description}`);

export const TelegramErrors = {
  unauthorized: () => new TelegramError(401, 'Unauthorized'),
  notFound: () => new TelegramError(404, 'Not Found'),
  conflictGetUpdates: () => new TelegramError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
  tooManyRequests: (retryAfter: number) => new TelegramError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
  botCantInitiate: () => new TelegramError(403, "Forbidden: bot can't initiate conversation with a user"),
  chatNotFound: badRequest('chat not found'),
  userNotFound: badRequest('user not found'),
  textEmpty: badRequest('message text is empty'),
  textTooLong: badRequest('message is too long'),
  captionTooLong: badRequest('message caption is too long'),
  buttonDataInvalid: badRequest('BUTTON_DATA_INVALID'),
  messageToEditNotFound: badRequest('message to edit not found'),
  messageToDeleteNotFound: badRequest('message to delete not found'),
  messageCantBeEdited: badRequest("message can't be edited"),
  noTextToEdit: badRequest('there is no text in the message to edit'),
  notModified: badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'),
  queryTooOld: badRequest('query is too old and response timeout expired or query ID is invalid'),
  noDocument: badRequest('there is no document in the request'),
  noAdminsInPrivate: badRequest('there are no administrators in the private chat'),
  botCommandInvalid: badRequest('BOT_COMMAND_INVALID'),
  missingParameter: (name: string) => new TelegramError(400, `Bad Request: ${name} is empty`),
  cantParseEntities: (reason: string) => new TelegramError(400, `Bad Request: can't parse entities: ${reason}`),
};
