import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LocalChain } from './chain.js';

/**
 * The validator's PubSub endpoint (RPC port + 1), reduced to what web3.js's confirmation uses:
 * signatureSubscribe notifies once when the transaction lands. Without it an unmodified
 * `sendAndConfirmTransaction` never hears of its transaction.
 */
export class PubSubServer {
  private readonly http: Server = createServer((_req, res) => res.writeHead(426).end());
  private readonly wss = new WebSocketServer({ server: this.http });
  private nextId = 1;
  private readonly waiting = new Map<string, { socket: WebSocket; id: number }[]>();
  private readonly onLanded = (signature: string) => this.notify(signature);

  constructor(private readonly chain: LocalChain) {
    chain.on('landed', this.onLanded);
    this.wss.on('connection', (socket) => {
      socket.on('message', (raw) => this.handle(socket, raw.toString()));
      socket.on('close', () => this.forget(socket));
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => resolve());
    });
  }

  async close(): Promise<void> {
    this.chain.off('landed', this.onLanded);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
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
      const id = this.nextId++;
      reply({ result: id });
      const list = this.waiting.get(signature) ?? [];
      list.push({ socket, id });
      this.waiting.set(signature, list);
      if (this.chain.signatureStatus(signature)) this.notify(signature);
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

  private notify(signature: string): void {
    const list = this.waiting.get(signature);
    const status = this.chain.signatureStatus(signature);
    if (!list || !status) return;
    this.waiting.delete(signature);
    for (const { socket, id } of list) {
      socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'signatureNotification',
          params: { result: { context: { slot: status.slot }, value: { err: status.err } }, subscription: id },
        }),
      );
    }
  }

  private forget(socket: WebSocket): void {
    for (const [sig, list] of this.waiting) {
      const rest = list.filter((w) => w.socket !== socket);
      if (rest.length) this.waiting.set(sig, rest);
      else this.waiting.delete(sig);
    }
  }
}
