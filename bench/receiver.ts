/**
 * The loopback webhook receiver, run as a process of its own (`node --import tsx bench/receiver.ts`)
 * so that it does not share an event loop with the worker being measured. node:http, drains the
 * body, answers 200 with a tiny JSON body; keep-alive so clients reuse connections. The parent
 * talks to it over the IPC channel: it learns the port, reads the count, sets a reply delay,
 * and can ask to be told when a body with a given marker arrives.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type Command = { type: 'stats' } | { type: 'delay'; ms: number } | { type: 'reset' } | { type: 'watch'; marker: string };

let received = 0;
let delayMs = Number(process.env.RECEIVER_DELAY_MS ?? 0);
// A body containing the marker is reported at once, with its arrival time (ms since the epoch,
// sub-millisecond) and how many requests came before it.
let marker: string | null = null;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => marker !== null && chunks.push(chunk));
  req.on('end', () => {
    received += 1;
    if (marker !== null && Buffer.concat(chunks).includes(marker)) {
      process.send?.({ type: 'marked', atMs: performance.timeOrigin + performance.now(), before: received - 1 });
    }
    const reply = () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
      res.end('{"ok":true}');
    };
    if (delayMs > 0) setTimeout(reply, delayMs);
    else reply();
  });
});
server.keepAliveTimeout = 60_000;
// A slow-receiver run keeps many requests open; do not let Node's defaults cut them.
server.requestTimeout = 0;
server.headersTimeout = 0;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port });
});

process.on('message', (command: Command) => {
  if (command.type === 'stats') process.send?.({ type: 'stats', received });
  if (command.type === 'delay') delayMs = command.ms;
  if (command.type === 'reset') received = 0;
  if (command.type === 'watch') marker = command.marker;
});
// The parent going away (or closing IPC) ends the receiver: nothing is left behind.
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
