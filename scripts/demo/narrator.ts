import { Writable } from 'node:stream';

type Line = Record<string, unknown> & { msg: string; level: string };

const short = (id: unknown) => (typeof id === 'string' ? id.slice(0, 12) : '');

/** What a person watching the demo wants to read, from the worker's JSON log lines. */
function narrate(l: Line): string | null {
  switch (l.msg) {
    case 'worker started':
      return `worker   started; channels: ${(l.channels as string[]).join(', ')}`;
    case 'subscription live':
      return `intake   ${String(l.subscription)} is live`;
    case 'catch-up done':
      return Number(l.recovered) > 0 ? `intake   catch-up recovered ${String(l.recovered)} change(s) on ${String(l.subscription)}` : null;
    case 'change decided': {
      const decisions = (l.decisions as { rule: string; kind: string; priority: string; reasons: string[] }[]) ?? [];
      const lines = decisions.map((d) => `         rule ${d.rule}: ${d.kind} → ${d.priority.toUpperCase()} (${d.reasons.join('; ')})`);
      return [`decide   ${String(l.table)} ${String(l.operation)} → ${String(l.deliveries)} deliveries`, ...lines].join('\n');
    }
    case 'preferences applied':
      return `prefs    ${short(l.deliveryId)} ${String(l.channel)}: ${(l.notes as string[]).join('; ')}`;
    case 'delivered':
      return `deliver  ✓ ${String(l.channel).padEnd(7)} → ${String(l.to)} (${String(l.recipient)}, ${String(l.priority)}, attempt ${String(l.attempt)})`;
    case 'failing over':
      return `deliver  ↪ ${String(l.channel)} to ${String(l.to)} failed (${String(l.reason)}); next: ${String(l.chain)}`;
    case 'delivery failed permanently':
    case 'delivery failed; retries exhausted':
      return `deliver  ✗ ${String(l.channel)} → ${String(l.to)}: ${String(l.reason)} (dead letter ${short(l.deliveryId)})`;
    case 'change not decidable: context missing':
      return `decide   ✗ ${String(l.table)}: ${String(l.reason)} (dead letter)`;
    default:
      return l.level === 'error' || l.level === 'fatal' ? `worker   ${l.level} (${String(l.component ?? 'worker')}): ${l.msg}` : null;
  }
}

const HANDLED = new Set(['change decided', 'no rule matched', 'change not decidable: context missing']);

/** A pino destination that prints the narrated lines, and counts the changes handled. */
export function narrator(print: (line: string) => void): { stream: Writable; handled: () => number } {
  let handled = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (!raw) continue;
        const parsed = JSON.parse(raw) as Line;
        if (HANDLED.has(parsed.msg)) handled += 1;
        const line = narrate(parsed);
        if (line) print(line);
      }
      done();
    },
  });
  return { stream, handled: () => handled };
}
