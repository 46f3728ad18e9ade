import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown;
}

/**
 * A scripted answer: a reply, a request that never gets one, a connection cut mid-request, or
 * the normal answer held back until `after` settles (a slow provider).
 */
export type Scripted = FakeReply | { readonly hang: true } | { readonly destroy: true } | { readonly after: Promise<unknown> };

/** What a provider's shape check decides about one request. */
export type Verdict<Accepted> =
  | { readonly ok: true; readonly accepted: Accepted; readonly reply: FakeReply }
  | { readonly ok: false; readonly problems: readonly string[]; readonly reply: FakeReply }
  /** Well shaped, but nothing new to record (an idempotent replay): answered as it is. */
  | { readonly ok: 'replay'; readonly reply: FakeReply };

export interface Rejection {
  readonly request: FakeRequest;
  readonly problems: readonly string[];
}

/**
 * The plumbing every provider fake shares: a node:http server on 127.0.0.1:0 that records each
 * request, checks its shape (a wrong shape is always refused, even when a reply is scripted),
 * then answers with the next scripted reply or accepts the message.
 */
export abstract class FakeServer<Accepted> {
  readonly requests: FakeRequest[] = [];
  readonly accepted: Accepted[] = [];
  readonly rejected: Rejection[] = [];
  /** Requests received and not yet answered, now and at most (providers that count connections). */
  protected inFlight = 0;
  mostInFlight = 0;
  private readonly script: Scripted[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly onAccepted?: (message: Accepted) => void) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(request);
        this.inFlight += 1;
        this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
        res.on('close', () => (this.inFlight -= 1));
        this.answer(request, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    if (!this.server) throw new Error('fake not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers for the next well-shaped requests, in order; then messages are accepted again. */
  replyNext(...replies: Scripted[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Drops scripted answers not used yet. */
  forgetScript(): this {
    this.script.length = 0;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** The provider's rules: check the request, and say what to record and answer. */
  protected abstract check(request: FakeRequest): Verdict<Accepted>;

  /** Called once a message is really accepted (not when a scripted reply answered instead). */
  protected remember(_accepted: Accepted): void {}

  private answer(request: FakeRequest, res: ServerResponse): void {
    const verdict = this.check(request);
    if (verdict.ok === 'replay') return this.send(res, verdict.reply);
    if (!verdict.ok) {
      this.rejected.push({ request, problems: verdict.problems });
      return this.send(res, verdict.reply);
    }
    const scripted = this.script.shift();
    if (scripted && 'hang' in scripted) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (scripted && 'destroy' in scripted) return void res.socket?.destroy();
    if (scripted && 'after' in scripted) {
      const proceed = () => this.accept(verdict.accepted, verdict.reply, res);
      scripted.after.then(proceed, proceed);
      return;
    }
    if (scripted) return this.send(res, scripted);
    this.accept(verdict.accepted, verdict.reply, res);
  }

  private accept(accepted: Accepted, reply: FakeReply, res: ServerResponse): void {
    this.accepted.push(accepted);
    this.remember(accepted);
    this.onAccepted?.(accepted);
    this.send(res, reply);
  }

  private send(res: ServerResponse, reply: FakeReply): void {
    const json = reply.body !== undefined && typeof reply.body !== 'string';
    const body = reply.body === undefined ? '' : json ? JSON.stringify(reply.body) : String(reply.body);
    const type = json ? 'application/json' : 'text/plain; charset=utf-8';
    res.writeHead(reply.status, { ...(body ? { 'content-type': type } : {}), ...reply.headers });
    res.end(body);
  }
}

/** Parses a JSON body, or says why it could not. */
export function parseJson(body: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(body) as unknown };
  } catch {
    return { problem: 'body is not valid JSON' };
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
