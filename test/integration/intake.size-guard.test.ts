import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

// The whole worker on a real database (table mode: changes pushed as postgres_changes frames).
let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

const MISSING_ORG = '99999999-9999-4999-8999-999999999999';
const MISSING_WEDDING = '88888888-8888-4888-8888-888888888888';
const columns = [
  { name: 'id', type: 'uuid' },
  { name: 'organization_id', type: 'uuid' },
  { name: 'wedding_id', type: 'uuid' },
  { name: 'title', type: 'text' },
];

/**
 * A timeline_events INSERT (a rule that needs the tenant) as the wire carries it
 * (realtime-protocol.md §3.1), for an organization that does not exist: a dead event.
 */
function timelineFrame(id: string, title: string) {
  return {
    schema: 'public',
    table: 'timeline_events',
    commit_timestamp: new Date().toISOString(),
    type: 'INSERT',
    columns,
    record: { id, organization_id: MISSING_ORG, wedding_id: MISSING_WEDDING, title },
    errors: null,
  };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${s.healthUrl}/metrics`)).text();
  // Only this metric's lines: the process metrics of a just-started Node may read "Nan".
  const own = text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
  return sampleValue(parsePrometheusText(own.join('\n')), name, labels) ?? 0;
}

async function deadEventBytes(eventIdLike: string): Promise<number | null> {
  const { rows } = await s.db.pool.query<{ bytes: number }>(`select octet_length(event::text) as bytes from dead_events where event::text like $1`, [`%${eventIdLike}%`]);
  return rows[0]?.bytes ?? null;
}

describe('a change larger than Realtime ever sends', () => {
  it('is refused as too_large and counted, and never reaches the dead events', async () => {
    const id = '10000000-0000-4000-8000-000000000001';
    expect(s.realtime.pushRawChange('timeline_events', timelineFrame(id, 'x'.repeat(4 * 1024 * 1024)))).toBe(1);
    await waitFor(async () => (await metric('wedsync_changes_rejected_total', { reason: 'too_large' })) === 1, { what: 'the refusal counted', timeoutMs: 15_000 });
    expect(s.lines.find((l) => l.msg === 'change rejected' && l.reason === 'too_large')).toMatchObject({ level: 'warn', detail: expect.stringMatching(/bytes/) });

    // A small change of the same kind after it is decided (a dead event): the big one was not.
    // Reading 4 MiB can keep a loaded machine from answering heartbeats: wait for the channels.
    await waitFor(() => s.app.readiness().status === 'ready', { what: 'the intake live again', timeoutMs: 15_000 });
    const next = '10000000-0000-4000-8000-000000000002';
    s.realtime.pushRawChange('timeline_events', timelineFrame(next, 'Small'));
    await waitFor(async () => (await deadEventBytes(next)) !== null, { what: 'the small change dead-lettered' });
    expect(await deadEventBytes(id)).toBeNull();
  });
});

describe('dead events', () => {
  it('are counted on /metrics by reason', async () => {
    const before = await metric('wedsync_dead_events_total', { reason: 'organization_not_found' });
    const id = '20000000-0000-4000-8000-000000000001';
    s.realtime.pushRawChange('timeline_events', timelineFrame(id, 'Counted'));
    await waitFor(async () => (await metric('wedsync_dead_events_total', { reason: 'organization_not_found' })) === before + 1, { what: 'the dead event counted' });
    expect(await deadEventBytes(id)).not.toBeNull();
  });

  it('keep a change under the limit by its identity, not its whole rows', async () => {
    const id = '30000000-0000-4000-8000-000000000001';
    s.realtime.pushRawChange('timeline_events', timelineFrame(id, 'y'.repeat(900 * 1024)));
    await waitFor(async () => (await deadEventBytes(id)) !== null, { what: 'the big change dead-lettered' });
    expect(await deadEventBytes(id)).toBeLessThan(4 * 1024);
    const { rows } = await s.db.pool.query<{ event: { table: string; primaryKey: { id: string }; record: unknown; rowsOmitted: { bytes: number } } }>(
      'select event from dead_events where event_id = (select event_id from dead_events where event::text like $1)',
      [`%${id}%`],
    );
    expect(rows[0]?.event).toMatchObject({ table: 'timeline_events', primaryKey: { id }, record: null, rowsOmitted: { bytes: expect.any(Number) } });
    expect(rows[0]!.event.rowsOmitted.bytes).toBeGreaterThan(900 * 1024);
  });
});
