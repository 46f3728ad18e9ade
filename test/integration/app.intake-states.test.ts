import { afterEach, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/start-app';
import { waitFor } from '../support/wait-for';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const SUB = 'subscription:weddings';

async function readyzReason(app: TestApp): Promise<string | null> {
  const { status, body } = await app.readyz();
  return status === 503 ? (body.components[SUB]?.reason ?? null) : null;
}

async function expectDeliveredAfterRecovery(app: TestApp, id: number): Promise<void> {
  await app.untilReady();
  expect((await app.readyz()).status).toBe(200);
  // Ready may still be the grace after a drop; a change the server sends before the new feed is
  // live is lost, as in production (no database here, so no catch-up). Wait for both ends.
  await waitFor(async () => (await app.readyz()).body.components[SUB]?.state === 'live', { what: 'the worker live again' });
  await app.realtime.waitForLive();
  app.realtime.emitChange({ table: 'weddings', type: 'INSERT', record: { id } });
  await waitFor(() => app.receiver.requests.some((r) => r.body.includes(`"id":${id}`)), { what: `change ${id} delivered` });
}

describe('intake states show on /readyz', () => {
  it('is not ready until "Subscribed to PostgreSQL" arrives, then ready', async () => {
    t = await startTestApp();
    t.realtime.knobs.systemDelayMs = 300;
    await waitFor(async () => (await t!.readyz()).body.components[SUB]?.state === 'subscribed', { what: 'joined, not live' });
    const { status, body } = await t.readyz();
    expect(status).toBe(503);
    expect(body.components[SUB]?.reason).toContain('Subscribed to PostgreSQL');
    await expectDeliveredAfterRecovery(t, 1);
  });

  it('goes 503 when the socket drops, reconnects by itself, and delivers later changes', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.realtime.knobs.refuseUpgrades = 2; // keep it down long enough to observe
    t.realtime.dropSockets({ mode: 'terminate' });
    await waitFor(async () => (await t!.readyz()).status === 503, { what: 'not ready after the drop' });
    expect(await readyzReason(t)).toMatch(/socket closed|transport failure/);
    await expectDeliveredAfterRecovery(t, 2);
    expect(t.realtime.joinCount()).toBeGreaterThanOrEqual(2);
  });

  it('shows a refused join with its reason, and recovers when the server accepts again', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.realtime.knobs.refuseJoins = Infinity;
    t.realtime.dropSockets({ mode: 'terminate' });
    await waitFor(async () => (await readyzReason(t!))?.includes('RealtimeRestarting'), { what: 'the refusal on /readyz' });
    t.realtime.knobs.refuseJoins = 0;
    await expectDeliveredAfterRecovery(t, 3);
  });

  it('shows a binding mismatch with its reason and rebuilds the channel', async () => {
    t = await startTestApp();
    t.realtime.knobs.mismatchBindings = 2;
    await waitFor(async () => (await readyzReason(t!))?.includes('mismatch between server and client bindings'), {
      what: 'the mismatch on /readyz',
    });
    expect((await t.readyz()).body.components[SUB]?.state).toBe('closed');
    await expectDeliveredAfterRecovery(t, 4);
    expect(t.lines.filter((l) => l.msg === 'channel closed by the server; rebuilding').length).toBeGreaterThanOrEqual(2);
  });

  it('shows a rejected key (HTTP 401 on the upgrade) and recovers when it is accepted', async () => {
    t = await startTestApp();
    await t.untilReady();
    t.realtime.knobs.refuseUpgrades = Infinity;
    t.realtime.knobs.refuseUpgradeStatus = 401;
    t.realtime.dropSockets({ mode: 'close', code: 1000 });
    await waitFor(async () => (await readyzReason(t!))?.includes('401'), { what: 'the 401 on /readyz' });
    t.realtime.knobs.refuseUpgrades = 0;
    await expectDeliveredAfterRecovery(t, 5);
  });

  it('rebuilds a channel the server closed (phx_close after a system error)', async () => {
    t = await startTestApp();
    await t.untilReady();
    const joins = t.realtime.joinCount();
    t.realtime.closeChannel(undefined, { systemError: 'You no longer have permission to read from this Channel topic: x' });
    await waitFor(() => t!.realtime.joinCount() > joins, { what: 'a new join' });
    await expectDeliveredAfterRecovery(t, 6);
    expect(t.lines.find((l) => l.msg === 'channel closed by the server; rebuilding')?.reason).toContain('no longer have permission');
  });

  it('catches a socket whose heartbeats go unanswered and comes back', async () => {
    t = await startTestApp();
    await t.untilReady();
    const connections = t.realtime.stats.connections;
    t.realtime.knobs.heartbeat = 'drop';
    await waitFor(() => t!.realtime.stats.connections > connections, { what: 'a new connection', timeoutMs: 5_000 });
    t.realtime.knobs.heartbeat = 'reply';
    await expectDeliveredAfterRecovery(t, 7);
  });

  it('rebuilds a channel that joins but never goes live', async () => {
    t = await startTestApp({ worker: { intake: { heartbeatIntervalMs: 250, joinTimeoutMs: 500, liveTimeoutMs: 300, rebuildDelaysMs: [50] } } });
    t.realtime.knobs.systemMessage = 'never';
    await waitFor(() => t!.lines.find((l) => l.msg === 'not live in time; rebuilding channel'), { what: 'the rebuild' });
    t.realtime.knobs.systemMessage = 'ok';
    await expectDeliveredAfterRecovery(t, 8);
  });

  it('reports a postgres_changes system error as the reason', async () => {
    t = await startTestApp();
    t.realtime.knobs.systemMessage = 'error';
    t.realtime.knobs.systemErrorMessage = 'Error parsing `filter` params: ["foo"]';
    await waitFor(async () => (await readyzReason(t!))?.includes('Error parsing `filter` params'), { what: 'the system error' });
  });

  it('keeps /livez at 200 while not ready', async () => {
    t = await startTestApp();
    t.realtime.knobs.systemMessage = 'never';
    expect((await t.get('/livez')).status).toBe(200);
    expect((await t.readyz()).status).toBe(503);
  });
});
