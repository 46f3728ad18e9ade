import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly atMs: number;
}

/** What the receiver does with one request. */
export type Reply =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string; readonly delayMs?: number; readonly after?: Promise<unknown> }
  | { readonly hang: true };

/**
 * A loopback HTTP receiver. Replies come from a script (one per request, in order), then from
 * the default. `hang` never answers, to test deadlines; `after` answers once the test says so.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private script: Reply[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  port = 0;

  constructor(private defaultReply: Reply = { status: 200, body: '{"ok":true}' }) {}

  /** Listens on `port` (0: any free port); a receiver restarted on its old port comes back "up". */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          atMs: Date.now(),
        });
        this.reply(res, this.script.shift() ?? this.defaultReply);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queue replies for the next requests, in order. */
  respondWith(...replies: Reply[]): void {
    this.script.push(...replies);
  }

  setDefault(reply: Reply): void {
    this.defaultReply = reply;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private reply(res: ServerResponse, reply: Reply): void {
    if ('hang' in reply) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    const send = () => {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    };
    if (reply.after) void reply.after.then(send);
    else if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  }
}
