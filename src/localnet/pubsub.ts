import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Commitment, LocalChain } from './chain.js';
import type { NodeSettings } from './rpc-methods.js';

interface Subscription {
  socket: WebSocket;
  id: number;
  commitment: Commitment;
}

const COMMITMENTS = new Set<string>(['processed', 'confirmed', 'finalized']);

/**
 * The validator's PubSub endpoint (RPC port + 1), reduced to what web3.js's confirmation uses:
 * signatureSubscribe notifies once, when the node's bank at the subscription's commitment
 * (default finalized) has the transaction. At processed that can be a failure on a fork that is
 * abandoned later (docs/solana-rpc-behaviour.md). Without it an unmodified
 * `sendAndConfirmTransaction` never hears of its transaction.
 */
export class PubSubServer {
  private readonly http: Server = createServer((_req, res) => res.writeHead(426).end());
  // noServer: the WebSocket server never listens itself, so a busy port is one error from
  // `listen`, not an unhandled 'error' re-emitted by the WebSocket server.
  private readonly wss = new WebSocketServer({ noServer: true });
  private nextId = 1;
  private readonly waiting = new Map<string, Subscription[]>();
  private readonly onStatus = (signature: string) => this.check(signature);
  private readonly onSlot = () => {
    for (const signature of [...this.waiting.keys()]) this.check(signature);
  };

  constructor(
    private readonly chain: LocalChain,
    private readonly node: NodeSettings = { lagSlots: 0, transactionHistory: true },
  ) {
    chain.on('status', this.onStatus);
    chain.on('slot', this.onSlot);
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
    this.wss.on('connection', (socket) => {
      socket.on('message', (raw) => this.handle(socket, raw.toString()));
      socket.on('close', () => this.forget(socket));
      socket.on('error', () => socket.terminate());
    });
  }

  /** Rejects (EADDRINUSE and the like) without leaving anything listening; may be called again after a rejection. */
  listen(port: number, host: string): Promise<void> {
    return listenOnce(this.http, port, host);
  }

  async close(): Promise<void> {
    this.chain.off('status', this.onStatus);
    this.chain.off('slot', this.onSlot);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (!this.http.listening) return;
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private handle(socket: WebSocket, text: string): void {
    let req: { id?: unknown; method?: unknown; params?: unknown[] };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return socket.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
    }
    const reply = (body: object) => socket.send(JSON.stringify({ jsonrpc: '2.0', id: req.id ?? null, ...body }));
    if (req.method === 'signatureSubscribe') {
      const signature = String(req.params?.[0] ?? '');
      const asked = (req.params?.[1] as { commitment?: unknown } | undefined)?.commitment;
      const commitment = typeof asked === 'string' && COMMITMENTS.has(asked) ? (asked as Commitment) : 'finalized';
      const id = this.nextId++;
      reply({ result: id });
      const list = this.waiting.get(signature) ?? [];
      list.push({ socket, id, commitment });
      this.waiting.set(signature, list);
      this.check(signature);
      return;
    }
    if (typeof req.method === 'string' && req.method.endsWith('Unsubscribe')) {
      const id = Number(req.params?.[0]);
      for (const [sig, list] of this.waiting) {
        const rest = list.filter((w) => w.id !== id);
        if (rest.length) this.waiting.set(sig, rest);
        else this.waiting.delete(sig);
      }
      return reply({ result: true });
    }
    reply({ error: { code: -32601, message: `Method not found: ${String(req.method)}` } });
  }

  /** Notifies (once) each subscription to `signature` whose commitment now sees it. */
  private check(signature: string): void {
    const list = this.waiting.get(signature);
    if (!list) return;
    const rest: Subscription[] = [];
    for (const sub of list) {
      const view = { lagSlots: this.node.lagSlots, commitment: sub.commitment };
      const status = this.chain.statusAt(signature, view);
      if (!status) {
        rest.push(sub);
        continue;
      }
      sub.socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'signatureNotification',
          params: { result: { context: { slot: this.chain.bankSlot(view) }, value: { err: status.err } }, subscription: sub.id },
        }),
      );
    }
    if (rest.length) this.waiting.set(signature, rest);
    else this.waiting.delete(signature);
  }

  private forget(socket: WebSocket): void {
    for (const [sig, list] of this.waiting) {
      const rest = list.filter((w) => w.socket !== socket);
      if (rest.length) this.waiting.set(sig, rest);
      else this.waiting.delete(sig);
    }
  }
}

/**
 * `server.listen` as a promise that settles exactly once: the 'error' and 'listening' listeners are
 * both removed whichever comes first, and a port out of range is a rejection, not a throw.
 */
export function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    try {
      server.listen(port, host);
    } catch (e) {
      server.off('error', onError);
      server.off('listening', onListening);
      reject(e as Error);
    }
  });
}
