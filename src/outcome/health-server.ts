import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthReport } from '../lib/health-report';
import { renderStatusPage, STATUS_PAGE_HEADERS } from './status-page';
import type { StatusSnapshot } from './status-snapshot';

export interface HealthServerOptions {
  readonly host: string;
  readonly port: number;
  /** False once the process is forcing its exit; /livez then fails. */
  readonly alive: () => boolean;
  readonly readiness: () => HealthReport;
  readonly metrics: Registry;
  /** Serves GET /status (HTML) and /status.json when given; both are 404 without it. */
  readonly status?: () => Promise<StatusSnapshot>;
  /** Further routes (an OAuth callback), each answering its own paths; tried before the built-in ones. */
  readonly routes?: readonly ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[];
}

export interface HealthServer {
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** Plain node:http: a few read-only routes do not need a framework. */
export function createHealthServer(options: HealthServerOptions): HealthServer {
  const server: Server = createServer((req, res) => {
    void route(req, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  let closing: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => resolve((server.address() as AddressInfo).port));
      }),
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions): Promise<void> {
  for (const handler of options.routes ?? []) if (await handler(req, res)) return;
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  switch (path) {
    case '/livez':
    case '/healthz': {
      const alive = options.alive();
      return send(res, alive ? 200 : 503, { status: alive ? 'alive' : 'exiting' });
    }
    case '/readyz': {
      const report = options.readiness();
      return send(res, report.status === 'not_ready' ? 503 : 200, report);
    }
    case '/metrics': {
      const body = await options.metrics.metrics();
      res.writeHead(200, { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    case '/status':
    case '/status.json':
      if (!options.status) return send(res, 404, { error: 'not found' });
      return serveStatus(req, res, path, options.status);
    default:
      return send(res, 404, { error: 'not found' });
  }
}

/**
 * /status.json is the snapshot as it is; /status renders it (`?refresh=<seconds>`, 1 to 300, sets
 * how often the page refreshes itself). A provider that throws gives a bare 503 (its message may
 * name internals, so it is not echoed): an open page then says it has lost the worker.
 */
async function serveStatus(req: IncomingMessage, res: ServerResponse, path: string, status: () => Promise<StatusSnapshot>): Promise<void> {
  let snapshot: StatusSnapshot;
  try {
    snapshot = await status();
  } catch {
    return send(res, 503, { error: 'status unavailable' });
  }
  if (path === '/status.json') return send(res, 200, snapshot);
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const refresh = Number(query.get('refresh'));
  const refreshMs = Number.isFinite(refresh) && refresh >= 1 ? Math.min(refresh, 300) * 1000 : undefined;
  res.writeHead(200, STATUS_PAGE_HEADERS);
  res.end(renderStatusPage(snapshot, refreshMs === undefined ? {} : { refreshMs }));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
