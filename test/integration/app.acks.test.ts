import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NotificationContent } from '../../src/channels/messages';
import { createAckStand, PHONES, POLICY, type AckStand } from '../support/ack-stand';
import { startTestApp, type TestApp } from '../support/start-app';

let stand: AckStand;
let t: TestApp;

beforeAll(async () => {
  stand = await createAckStand('appack');
  t = await startTestApp({
    env: {
      DATABASE_URL: stand.db.databaseUrl,
      PUBLIC_HOST: '127.0.0.1',
      PUBLIC_PORT: '0',
      PUBLIC_BASE_URL: 'https://worker.example.com',
      ACK_LINK_KEY: stand.key.toString('base64'),
    },
    worker: { queue: { schema: stand.gwSchema, pollIntervalMs: 100 }, escalation: POLICY },
  });
});
afterAll(async () => {
  await t.close();
  await stand.close();
});

const publicUrl = (path: string) => `http://127.0.0.1:${t.app.publicPort()}${path}`;

describe('the worker with acknowledgements', () => {
  it('serves public routes and operator routes on separate ports, neither answering the other\'s', async () => {
    expect(t.app.publicPort()).toEqual(expect.any(Number));
    for (const path of ['/status', '/status.json', '/metrics', '/readyz', '/livez']) expect((await fetch(publicUrl(path))).status).toBe(404);
    expect((await t.get('/ack/anything')).status).toBe(404);
    expect((await fetch(publicUrl('/ack/not-a-token'))).status).toBe(404);
  });

  it('/status lists unanswered messages with their tier and no personal data; /metrics counts acknowledgements', async () => {
    const waiting = await stand.criticalEvent();
    await stand.escalations.track(stand.db.pool, {
      eventId: waiting.eventId,
      organizationId: stand.organizationId,
      weddingId: stand.weddingId,
      kind: 'wedding.emergency',
      priority: 'critical',
      policy: 'critical',
      content: (waiting.sms.message as { content: NotificationContent }).content,
      dueAtMs: Date.now() + 600_000,
      nowMs: Date.now(),
    });
    const answered = await stand.criticalEvent();
    const token = stand.tokens.sign({ deliveryId: answered.email.id, eventId: answered.eventId, expiresAtMs: Date.now() + 60_000 });
    expect((await fetch(publicUrl(`/ack/${token}`), { method: 'POST' })).status).toBe(200);

    const status = await t.get('/status.json');
    const snapshot = JSON.parse(status.text) as { unacknowledged: { eventId: string; tier: number; state: string; createdAt: string }[] };
    expect(snapshot.unacknowledged).toEqual([expect.objectContaining({ eventId: waiting.eventId, kind: 'wedding.emergency', tier: 0, state: 'waiting', ageMs: expect.any(Number) })]);
    for (const pii of [...Object.values(PHONES), 'Ana & Ben', 'Ana &amp; Ben']) expect(status.text).not.toContain(pii);

    const page = await t.get('/status');
    expect(page.text).toContain(`data-unacknowledged="${waiting.eventId}" data-tier="0" data-state="waiting"`);
    for (const pii of [...Object.values(PHONES), 'Ana &amp; Ben']) expect(page.text).not.toContain(pii);

    const metrics = (await t.get('/metrics')).text;
    expect(metrics).toContain('wedsync_acknowledgements_total{channel="email",first="true"} 1');
    expect(metrics).toContain('wedsync_unacknowledged_messages{tier="0",state="waiting"} 1');
  });
});
