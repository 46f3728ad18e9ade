import type { Pool } from 'pg';
import { DeliveryError } from '../channels/errors';
import type { ConnectionStore } from '../connections/connection-store';
import type { PartnerAdapter } from './partner';

export interface ErasureDeps {
  readonly pool: Pool;
  readonly store: ConnectionStore;
  readonly adapters: ReadonlyMap<string, PartnerAdapter>;
}

export interface ErasureResult {
  readonly erased: number;
  readonly pending: number;
}

// A request that keeps failing (a revoked connection) is tried again, at most this many times
// per sweep batch, and stays pending with its reason for a person to see.
const BATCH = 25;

/**
 * Right to erasure. Deleting a person in our database writes a marketing_erasures row (a
 * trigger, in the same transaction); each sweep takes a batch of pending ones and asks every
 * platform that knows the person (marketing_contacts) to archive (Mailchimp) or delete
 * (Constant Contact) them, then forgets the platform's reference. Two replicas sweeping at once
 * skip each other's rows; a retried archive of someone already gone counts as done.
 */
export async function sweepErasures({ pool, store, adapters }: ErasureDeps, signal: AbortSignal): Promise<ErasureResult> {
  const { rows: requests } = await pool.query<{ client_id: string; organization_id: string }>(
    `update marketing_erasures set attempts = attempts + 1
      where client_id in (select client_id from marketing_erasures where done_at is null order by requested_at limit ${BATCH} for update skip locked)
      returning client_id, organization_id`,
  );
  let erased = 0;
  for (const request of requests) {
    if (signal.aborted) break;
    const { rows: contacts } = await pool.query<{ connection_id: string; external_ref: string }>('select connection_id, external_ref from marketing_contacts where client_id = $1', [request.client_id]);
    const failures: string[] = [];
    for (const contact of contacts) {
      try {
        const connection = await store.open(contact.connection_id);
        const adapter = connection ? adapters.get(connection.partner) : undefined;
        if (connection && adapter?.erase) await adapter.erase(connection, contact.external_ref, signal);
        await pool.query(
          `with gone as (delete from marketing_contacts where connection_id = $1 and client_id = $2)
           insert into marketing_syncs (organization_id, connection_id, client_id, action, sent) values ($3, $1, $2, 'archived', $4)`,
          [contact.connection_id, request.client_id, request.organization_id, JSON.stringify({ erasure: true, partner: connection?.partner ?? null })],
        );
      } catch (error) {
        failures.push(error instanceof DeliveryError ? error.message : `failed (${error instanceof Error ? error.name : 'error'})`);
      }
    }
    if (failures.length === 0) {
      await pool.query('update marketing_erasures set done_at = now(), last_error = null where client_id = $1', [request.client_id]);
      erased += 1;
    } else {
      await pool.query('update marketing_erasures set last_error = $2 where client_id = $1', [request.client_id, failures.join('; ').slice(0, 500)]);
    }
  }
  const { rows } = await pool.query<{ pending: number }>('select count(*)::int as pending from marketing_erasures where done_at is null');
  return { erased, pending: rows[0]?.pending ?? 0 };
}

/** Sweeps now and then, one sweep at a time; the timer is the only thing it holds. */
export function startErasureSweeps(deps: ErasureDeps, everyMs: number, onError: (error: unknown) => void): { stop(): Promise<void> } {
  const controller = new AbortController();
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    // A slow sweep is not overtaken by the next one.
    running ??= sweepErasures(deps, controller.signal)
      .catch(onError)
      .finally(() => (running = null));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
