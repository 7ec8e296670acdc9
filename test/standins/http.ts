/**
 * HTTP plumbing shared by the Discord and Telegram stand-ins: a server on a
 * random 127.0.0.1 port that can be closed without waiting for keep-alive
 * sockets, and request bodies decoded the way both APIs accept them.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { multipartBoundary, parseMultipart } from './multipart.js';

/** A file that arrived in a multipart upload. */
export interface UploadedFile {
  /** The form field it came in (`files[0]` for discord.js, a random attach id for grammY). */
  field: string;
  filename: string;
  contentType: string | undefined;
  bytes: Buffer;
}

export interface DecodedBody {
  /** The JSON body, or the parsed `payload_json` field of a multipart body (Discord). */
  json: unknown;
  /** Plain (non-file) fields of a multipart or url-encoded body, as strings. */
  fields: Record<string, string>;
  files: UploadedFile[];
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface LocalServer {
  server: Server;
  port: number;
  /** Stops listening and destroys every open connection, held long polls included. */
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 with a random port; handler errors become a 500 instead of a hang. */
export async function startLocalServer(handler: RequestHandler): Promise<LocalServer> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => handler(req, res, body))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `stand-in failed: ${String(error)}` });
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep sockets alive (undici, node-fetch agents); without this, close() waits for them.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Decodes JSON, multipart/form-data and url-encoded bodies; throws a message fit for a 400 answer. */
export function decodeBody(contentType: string | undefined, body: Buffer): DecodedBody {
  const decoded: DecodedBody = { json: undefined, fields: {}, files: [] };
  if (body.length === 0) return decoded;

  const boundary = multipartBoundary(contentType);
  if (boundary) {
    for (const part of parseMultipart(body, boundary)) {
      if (part.filename !== undefined) {
        decoded.files.push({ field: part.name, filename: part.filename, contentType: part.contentType, bytes: part.data });
      } else {
        decoded.fields[part.name] = part.data.toString('utf8');
      }
    }
    const payload = decoded.fields['payload_json'];
    if (payload !== undefined) decoded.json = JSON.parse(payload);
    return decoded;
  }
  if (contentType && /^application\/x-www-form-urlencoded/i.test(contentType)) {
    decoded.fields = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    return decoded;
  }
  // discord.js and grammY both label JSON; an unlabelled body is read as JSON too, as the real servers do.
  decoded.json = JSON.parse(body.toString('utf8'));
  return decoded;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}
