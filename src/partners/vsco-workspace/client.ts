import type { DeliveryReceipt, SendContext } from '../../channels/channel';
import { DeliveryError, PermanentDeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { Connection } from '../../connections/connection';
import type { PartnerAdapter, PartnerPush } from '../partner';
import { expectOk, jsonOf, partnerRequest, type PartnerResponse } from '../partner-http';
import type { WeddingSnapshot } from '../wedding-snapshot';
import { contactMappingId, jobMappingId, vscoJobFields, vscoNewContact, vscoNewJob, type VscoExternalMapping } from './mapping';

export const VSCO_WORKSPACE_URL = 'https://workspace.vsco.co/api/v2';

interface Collection {
  readonly items?: readonly { readonly id?: string }[];
}

/**
 * VSCO Workspace API v2 with the studio's key (X-API-KEY). There is no idempotency key, so a job
 * or contact is always looked up by our external mapping id before one is created: a retry after
 * a lost answer finds what the first attempt made instead of making a second.
 */
export function createVscoWorkspaceAdapter(http: HttpRequester, userAgent: string, baseUrl = VSCO_WORKSPACE_URL, appBaseUrl: string | null = null): PartnerAdapter {
  const call = async (connection: Connection, method: 'GET' | 'POST' | 'PUT', path: string, signal: AbortSignal, body?: unknown): Promise<PartnerResponse> =>
    partnerRequest(http, {
      url: `${baseUrl}${path}`,
      method,
      headers: {
        'x-api-key': connection.credentials.apiKey ?? '',
        accept: 'application/json',
        'user-agent': userAgent,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal,
    });
  const mapping = (id: string, kind: 'weddings' | 'clients', ours: string): VscoExternalMapping => ({
    id,
    url: appBaseUrl ? `${appBaseUrl.replace(/\/$/, '')}/${kind}/${ours}` : `urn:wedsync:${kind}:${ours}`,
  });

  /** The first item of a listing; `path` is `/job`, `/address-book` (contacts) or `/job-contact`. */
  const first = async (connection: Connection, path: string, filters: Record<string, string>, signal: AbortSignal): Promise<string | null> => {
    const query = new URLSearchParams({ ...filters, pageSize: '10' });
    const found = jsonOf<Collection>('vsco-workspace', expectOk('vsco-workspace', await call(connection, 'GET', `${path}?${query}`, signal)));
    return found.items?.[0]?.id ?? null;
  };

  const create = async (connection: Connection, resource: 'job' | 'address-book' | 'job-contact', body: unknown, signal: AbortSignal): Promise<string> => {
    const created = jsonOf<{ id?: string }>('vsco-workspace', expectOk('vsco-workspace', await call(connection, 'POST', `/${resource}`, signal, body)));
    if (!created.id) throw new PermanentDeliveryError(`vsco-workspace created a ${resource} but answered no id`);
    return created.id;
  };

  /**
   * The job of this wedding when none is remembered: found by mapping, else (when allowed) made,
   * with the couple's contact attached. Remembered only once the contact is attached, so a retry
   * after a lost answer looks again and finishes what the first attempt left.
   */
  const jobOf = async ({ connection, snapshot, links }: PartnerPush, signal: AbortSignal): Promise<{ id: string; created: boolean }> => {
    const externalId = jobMappingId(snapshot.weddingId);
    const found = await first(connection, '/job', { externalMappingId: externalId, includeClosed: 'true' }, signal);
    if (!found && !connection.options.createOnFirstSync) {
      throw new PermanentDeliveryError('vsco-workspace has no job mapped to this wedding and the connection does not create jobs (createOnFirstSync)', 404);
    }
    const contact = connection.options.createOnFirstSync ? await contactOf(connection, snapshot, signal) : null;
    const id = found ?? (await create(connection, 'job', vscoNewJob(snapshot, connection.options, mapping(externalId, 'weddings', snapshot.weddingId)), signal));
    if (contact && !(await first(connection, '/job-contact', { jobId: id, contactId: contact }, signal))) {
      await create(connection, 'job-contact', { jobId: id, contactId: contact, client: true }, signal);
    }
    await links.set(snapshot.weddingId, id);
    return { id, created: !found };
  };

  /**
   * The couple's contact in the address book: listed by email (the only filter the address book
   * has), else made with our mapping. Without an email a lost answer can leave a second contact.
   */
  const contactOf = async (connection: Connection, snapshot: WeddingSnapshot, signal: AbortSignal): Promise<string | null> => {
    const client = snapshot.couple[0];
    if (!client) return null;
    const existing = client.email ? await first(connection, '/address-book', { email: client.email }, signal) : null;
    return existing ?? (await create(connection, 'address-book', vscoNewContact(snapshot, mapping(contactMappingId(client.id), 'clients', client.id)), signal));
  };

  return {
    partner: 'vsco-workspace',
    // Workspace publishes no number, only 429 with Retry-After on every operation [doc]: stay modest.
    rateLimit: { max: 5, perMs: 1_000, maxConcurrent: 2 },
    async push(push: PartnerPush, context: SendContext): Promise<DeliveryReceipt> {
      const { connection, snapshot, links } = push;
      const fields = vscoJobFields(snapshot, connection.options);
      const remembered = await links.get(snapshot.weddingId);
      if (remembered) {
        try {
          const response = expectOk('vsco-workspace', await call(connection, 'PUT', `/job/${encodeURIComponent(remembered)}`, context.signal, fields));
          return { status: response.status, providerMessageId: remembered };
        } catch (error) {
          // The remembered job was deleted or merged: find the job again by its mapping.
          if (!(error instanceof DeliveryError && error.status === 404)) throw error;
        }
      }
      const job = await jobOf(push, context.signal);
      if (job.created) return { status: 201, providerMessageId: job.id };
      if (job.id !== remembered) await links.set(snapshot.weddingId, job.id);
      const response = expectOk('vsco-workspace', await call(connection, 'PUT', `/job/${encodeURIComponent(job.id)}`, context.signal, fields));
      return { status: response.status, providerMessageId: job.id };
    },
    async probe(connection, signal) {
      expectOk('vsco-workspace', await call(connection, 'GET', '/job?pageSize=10', signal));
      return 'vsco-workspace accepted the key (listed jobs)';
    },
  };
}
