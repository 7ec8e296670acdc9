/**
 * The error answers of Discord's REST API that the stand-in gives, with
 * Discord's own status codes, JSON error codes and messages, so code under
 * test meets the same `DiscordAPIError`s it will meet in production.
 */

export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { message: string; code: number; errors?: unknown },
  ) {
    super(`${status} ${body.message} (${body.code})`);
  }
}

const error = (status: number, code: number, message: string) => (): DiscordHttpError => new DiscordHttpError(status, { message, code });

export const DiscordErrors = {
  unauthorized: error(401, 0, '401: Unauthorized'),
  notFound: error(404, 0, '404: Not Found'),
  methodNotAllowed: error(405, 0, '405: Method Not Allowed'),
  unknownChannel: error(404, 10003, 'Unknown Channel'),
  unknownGuild: error(404, 10004, 'Unknown Guild'),
  unknownMember: error(404, 10007, 'Unknown Member'),
  unknownMessage: error(404, 10008, 'Unknown Message'),
  unknownWebhook: error(404, 10015, 'Unknown Webhook'),
  unknownInteraction: error(404, 10062, 'Unknown interaction'),
  missingAccess: error(403, 50001, 'Missing Access'),
  missingPermissions: error(403, 50013, 'Missing Permissions'),
  cannotEditOthersMessage: error(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: error(400, 50006, 'Cannot send an empty message'),
  invalidWebhookToken: error(401, 50027, 'Invalid Webhook Token'),
  alreadyAcknowledged: error(400, 40060, 'Interaction has already been acknowledged.'),
  /** 50035 with Discord's nested `errors` object: `{ content: { _errors: [{ code, message }] } }`. */
  invalidFormBody(path: string, code: string, message: string): DiscordHttpError {
    let errors: unknown = { _errors: [{ code, message }] };
    for (const key of path.split('.').reverse()) errors = { [key]: errors };
    return new DiscordHttpError(400, { message: 'Invalid Form Body', code: 50035, errors });
  },
};
