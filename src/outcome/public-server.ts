import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One public route: Slack, Twilio, people's phones and OAuth providers reach these from the
 * internet. Each is a plain object in the list the composition root hands to the server, so
 * adding one is adding an element, not editing a switch.
 */
export interface PublicRoute {
  readonly method: 'GET' | 'POST';
  /** Matches the path (no query); returns the captured parameters, or null for another route. */
  match(path: string): Readonly<Record<string, string>> | null;
  /** Largest body read before the request is refused with 413 (no body is read for GET). */
  readonly maxBodyBytes?: number;
  handle(request: PublicRequest, res: ServerResponse): Promise<void>;
}

export interface PublicRequest {
  readonly req: IncomingMessage;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  /** The raw bytes, as a signature needs them. */
  readonly body: Buffer;
}

export class BodyTooLargeError extends Error {}

const DEFAULT_MAX_BODY = 64 * 1024;

/** Reads at most `maxBytes`: an unsigned flood is cut off before it costs more than that. */
export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return reject(new BodyTooLargeError());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The public listener: its own port, none of the operator routes (/status, /metrics, /readyz). */
export function createPublicServer(options: { host: string; port: number; routes: readonly PublicRoute[]; onError?: (error: unknown) => void }) {
  const server: Server = createServer((req, res) => {
    void dispatch(req, res, options.routes).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) res.writeHead(error instanceof BodyTooLargeError ? 413 : 500, { connection: 'close' });
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  let closing: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => resolve((server.address() as AddressInfo).port));
      }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export type PublicServer = ReturnType<typeof createPublicServer>;

async function dispatch(req: IncomingMessage, res: ServerResponse, routes: readonly PublicRoute[]): Promise<void> {
  const [path = '/', queryText = ''] = (req.url ?? '/').split('?');
  let pathMatched = false;
  for (const route of routes) {
    const params = route.match(path);
    if (!params) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    const body = req.method === 'GET' ? Buffer.alloc(0) : await readBoundedBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY);
    return route.handle({ req, path, query: new URLSearchParams(queryText), params, body }, res);
  }
  res.writeHead(pathMatched ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(pathMatched ? 'method not allowed' : 'not found');
}

/** Exact paths, or `/prefix/:param` with one segment captured. */
export function pathPattern(pattern: string): (path: string) => Record<string, string> | null {
  const parts = pattern.split('/');
  return (path) => {
    const given = path.split('/');
    if (given.length !== parts.length) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.startsWith(':')) {
        if (!given[i]) return null;
        try {
          params[part.slice(1)] = decodeURIComponent(given[i]!);
        } catch {
          return null; // malformed escapes: no route of ours
        }
      } else if (part !== given[i]) return null;
    }
    return params;
  };
}
