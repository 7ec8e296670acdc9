/**
 * The Discord gateway stand-in: the WebSocket half of the Discord stand-in.
 *
 * It speaks just enough of the gateway protocol for @discordjs/ws 1.x to
 * connect, identify, heartbeat, resume and receive dispatches:
 * HELLO -> IDENTIFY -> READY + GUILD_CREATE, heartbeat ACKs, RESUME -> RESUMED.
 * discord.js asks for `?v=10&encoding=json` and adds `compress=zlib-stream`
 * only when the optional `zlib-sync` package is installed (it is not here);
 * both zlib-stream and identify-level compression are supported anyway so the
 * tests keep working if someone installs it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants as zlibConstants, createDeflate, deflateSync } from 'node:zlib';
import type { Deflate } from 'node:zlib';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord.js';
import type { GatewayGuildCreateDispatchData, GatewayReadyDispatchData } from 'discord.js';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';

/** A payload the bot sent over the gateway; the identify token is replaced by whether it matched. */
export interface RecordedGatewayPayload {
  at: number;
  op: number;
  d: unknown;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** Whether a token from IDENTIFY or RESUME is accepted. */
  acceptsToken(token: unknown): boolean;
  ready(sessionId: string): GatewayReadyDispatchData;
  guildCreates(): GatewayGuildCreateDispatchData[];
}

interface Connection {
  socket: WebSocket;
  sessionId: string | undefined;
  seq: number;
  /** zlib-stream: one deflate context for the connection's whole life, flushed after every payload. */
  stream: Deflate | undefined;
  /** Identify-level compression: each payload deflated on its own. */
  deflateEach: boolean;
  /** Sends happen in order even when compression makes them asynchronous. */
  sending: Promise<void>;
}

export class DiscordGateway {
  readonly received: RecordedGatewayPayload[] = [];
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  /** Session id -> last sequence, so a RESUME after a dropped connection is accepted like Discord would. */
  private readonly sessions = new Map<string, number>();

  constructor(private readonly options: GatewayOptions) {}

  /** Number of connections that identified or resumed and are still open. */
  get sessionCount(): number {
    return [...this.connections].filter((c) => c.sessionId !== undefined).length;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const query = new URL(req.url ?? '/', 'http://gateway').searchParams;
    this.server.handleUpgrade(req, socket, head, (ws) => this.accept(ws, query));
  }

  /** Sends a dispatch (op 0) to every session; returns how many received it. */
  dispatch(event: string, data: unknown): number {
    let sent = 0;
    for (const connection of this.connections) {
      if (connection.sessionId === undefined) continue;
      this.sendDispatch(connection, event, data);
      sent += 1;
    }
    return sent;
  }

  /** Drops every connection abnormally (code 4000), the way a Discord outage looks to the client. */
  disconnectAll(code: number = GatewayCloseCodes.UnknownError): void {
    for (const connection of this.connections) connection.socket.close(code, 'stand-in disconnect');
  }

  async close(): Promise<void> {
    for (const connection of this.connections) {
      connection.stream?.close();
      connection.socket.terminate();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, query: URLSearchParams): void {
    if ((query.get('encoding') ?? 'json') !== 'json') {
      // ETF would need an Erlang term codec; discord.js only ever asks for JSON.
      socket.close(GatewayCloseCodes.DecodeError, 'the stand-in speaks encoding=json only');
      return;
    }
    const compress = query.get('compress');
    if (compress !== null && compress !== 'zlib-stream') {
      socket.close(GatewayCloseCodes.DecodeError, `unsupported compress=${compress}`);
      return;
    }
    const connection: Connection = {
      socket,
      sessionId: undefined,
      seq: 0,
      stream: compress === 'zlib-stream' ? createDeflate() : undefined,
      deflateEach: false,
      sending: Promise.resolve(),
    };
    this.connections.add(connection);
    socket.on('message', (data: RawData) => this.onMessage(connection, data));
    socket.on('close', () => {
      connection.stream?.close();
      this.connections.delete(connection);
    });
    // ws emits 'error' for malformed frames; without a listener it would crash the test process.
    socket.on('error', () => socket.terminate());
    this.send(connection, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs }, s: null, t: null });
  }

  private onMessage(connection: Connection, data: RawData): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(rawToString(data)) as { op?: unknown; d?: unknown };
    } catch {
      connection.socket.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    const op = typeof payload.op === 'number' ? payload.op : -1;
    this.received.push({ at: Date.now(), op, d: redactToken(payload.d, this.options) });

    switch (op) {
      case GatewayOpcodes.Heartbeat:
        this.send(connection, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        return;
      case GatewayOpcodes.Identify:
        this.identify(connection, payload.d as { token?: unknown; compress?: unknown } | undefined);
        return;
      case GatewayOpcodes.Resume:
        this.resume(connection, payload.d as { token?: unknown; session_id?: unknown } | undefined);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.RequestGuildMembers:
      case GatewayOpcodes.VoiceStateUpdate:
        // Recorded above; nothing the stand-in needs to answer.
        if (connection.sessionId === undefined) connection.socket.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        connection.socket.close(GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private identify(connection: Connection, d: { token?: unknown; compress?: unknown } | undefined): void {
    if (connection.sessionId !== undefined) {
      connection.socket.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    if (!this.options.acceptsToken(d?.token)) {
      connection.socket.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    connection.deflateEach = d?.compress === true && connection.stream === undefined;
    const sessionId = randomUUID().replaceAll('-', '');
    connection.sessionId = sessionId;
    this.sendDispatch(connection, GatewayDispatchEvents.Ready, this.options.ready(sessionId));
    // discord.js waits for a GUILD_CREATE per unavailable guild in READY before it emits clientReady.
    for (const guild of this.options.guildCreates()) this.sendDispatch(connection, GatewayDispatchEvents.GuildCreate, guild);
  }

  private resume(connection: Connection, d: { token?: unknown; session_id?: unknown } | undefined): void {
    const sessionId = typeof d?.session_id === 'string' ? d.session_id : undefined;
    const seq = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    if (sessionId === undefined || seq === undefined || !this.options.acceptsToken(d?.token)) {
      // d: false tells the client to identify afresh instead of resuming again.
      this.send(connection, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    connection.sessionId = sessionId;
    connection.seq = seq;
    this.sendDispatch(connection, GatewayDispatchEvents.Resumed, {});
  }

  private sendDispatch(connection: Connection, event: string, data: unknown): void {
    connection.seq += 1;
    if (connection.sessionId !== undefined) this.sessions.set(connection.sessionId, connection.seq);
    this.send(connection, { op: GatewayOpcodes.Dispatch, d: data, s: connection.seq, t: event });
  }

  private send(connection: Connection, payload: unknown): void {
    const text = JSON.stringify(payload);
    connection.sending = connection.sending
      .then(async () => {
        if (connection.socket.readyState !== connection.socket.OPEN) return;
        if (connection.stream) connection.socket.send(await deflateChunk(connection.stream, text));
        else if (connection.deflateEach) connection.socket.send(deflateSync(text));
        else connection.socket.send(text);
      })
      .catch(() => connection.socket.terminate());
  }
}

/** Writes one payload into a shared zlib stream and returns the bytes up to a sync flush (ending 00 00 ff ff). */
function deflateChunk(stream: Deflate, text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(text);
    stream.flush(zlibConstants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', reject);
      resolve(Buffer.concat(chunks));
    });
  });
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}

/** Tokens never stay in the record (tests print it on failure); what matters is whether it was accepted. */
function redactToken(d: unknown, options: GatewayOptions): unknown {
  if (typeof d !== 'object' || d === null || !('token' in d)) return d;
  const { token, ...rest } = d as { token: unknown };
  return { ...rest, token: options.acceptsToken(token) ? '[accepted]' : '[rejected]' };
}
