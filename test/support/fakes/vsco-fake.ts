import { randomBytes } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';
import { ISO_DATE, problem } from './partner-errors';

export interface VscoRecord {
  readonly id: string;
  fields: Record<string, unknown>;
  readonly externalIds: readonly string[];
}

type Resource = 'job' | 'contact' | 'job-contact';
export type VscoWrite = { readonly op: 'create' | 'update'; readonly resource: Resource; readonly id: string; readonly body: Record<string, unknown> };
const ROUTES: Readonly<Record<string, Resource>> = { job: 'job', 'address-book': 'contact', 'job-contact': 'job-contact' };

const ulid = () => randomBytes(13).toString('hex').slice(0, 26);

/**
 * VSCO Workspace API v2 on loopback: X-API-KEY auth (401 problem+json otherwise), `GET /job`
 * filtered by `externalMappingId`, contacts in `/address-book` (listed by `email` only, as the
 * OpenAPI has it; `kind` required), `/job-contact` linking a contact to a job (`jobId` and
 * `contactId` must exist; listed by `jobId`), `POST` to create, `PUT /job/{id}` to update
 * (404 for an unknown id). Checks `eventDate` as a date, `guestCount` an integer, mappings
 * `{id ≤ 64, url}`; refuses a second record with an external id already mapped (409), as a
 * unique mapping would. Records every write, so a test can count creates.
 */
export class VscoFake extends FakeServer<VscoWrite> {
  readonly jobs = new Map<string, VscoRecord>();
  readonly contacts = new Map<string, VscoRecord>();
  readonly jobContacts = new Map<string, VscoRecord>();
  private readonly keys = new Set<string>();

  addKey(key: string): string {
    this.keys.add(key);
    return key;
  }

  revokeKey(key: string): void {
    this.keys.delete(key);
  }

  get apiUrl(): string {
    return `${this.url}/api/v2`;
  }

  creates(resource: Resource): number {
    return this.accepted.filter((w) => w.op === 'create' && w.resource === resource).length;
  }

  protected check(request: FakeRequest): Verdict<VscoWrite> {
    const fail = (status: number, problems: string[]): Verdict<VscoWrite> => ({ ok: false, problems, reply: { status, body: problem(status) } });
    if (!this.keys.has(String(request.headers['x-api-key'] ?? ''))) return fail(401, ['X-API-KEY missing or unknown']);
    const url = new URL(request.path, 'http://fake');
    const match = /^\/api\/v2\/(job-contact|job|address-book)(?:\/([0-9a-z]+))?$/.exec(url.pathname);
    if (!match) return fail(404, [`no route ${request.method} ${url.pathname}`]);
    const resource = ROUTES[match[1]!]!;
    const store = this.storeOf(resource);
    if (request.method === 'GET' && !match[2]) {
      const pageSize = Number(url.searchParams.get('pageSize') ?? '100');
      if (pageSize < 10 || pageSize > 100) return fail(400, ['pageSize must be 10–100']);
      const filters: Readonly<Record<Resource, readonly string[]>> = { job: ['externalMappingId'], contact: ['email'], 'job-contact': ['jobId', 'contactId', 'externalMappingId'] };
      const unknown = [...url.searchParams.keys()].filter((k) => !['page', 'pageSize', 'includeClosed', 'includeHidden', 'sortBy', ...filters[resource]].includes(k));
      if (unknown.length > 0) return fail(400, [`unknown filter ${unknown.join(', ')} for ${match[1]}`]);
      const matches = (r: VscoRecord) =>
        [...url.searchParams].every(([k, v]) => !filters[resource].includes(k) || (k === 'externalMappingId' ? r.externalIds.includes(v) : r.fields[k] === v));
      const items = [...store.values()].filter(matches).map((r) => ({ id: r.id, ...r.fields }));
      return { ok: 'replay', reply: { status: 200, body: { type: `${resource.replace('-', '')}-collection`, items, meta: { totalItems: items.length } } } };
    }
    if (request.headers['content-type'] !== 'application/json') return fail(415, ['content-type is not application/json']);
    const parsed = parseJson(request.body);
    if ('problem' in parsed || !isRecord(parsed.value)) return fail(400, ['body is not a JSON object']);
    const body = parsed.value;
    const problems = resource === 'job' ? jobProblems(body) : resource === 'contact' ? contactProblems(body) : this.jobContactProblems(body);
    if (problems.length > 0) return { ok: false, problems, reply: { status: 400, body: { ...problem(400), type: 'validation-error', detail: problems } } };
    if (request.method === 'POST' && !match[2]) {
      const mappings = Array.isArray(body.externalMappings) ? (body.externalMappings as { id?: unknown; url?: unknown }[]) : [];
      const bad = mappings.filter((m) => typeof m.id !== 'string' || m.id.length > 64 || typeof m.url !== 'string' || m.url.length < 12);
      if (bad.length > 0) return fail(400, ['externalMappings entries need id ≤ 64 and url ≥ 12 characters']);
      const ids = mappings.map((m) => m.id as string);
      if ([...store.values()].some((r) => r.externalIds.some((e) => ids.includes(e)))) return fail(409, ['external mapping already used']);
      const id = ulid();
      return { ok: true, accepted: { op: 'create', resource, id, body }, reply: { status: 201, body: { id, ...body } } };
    }
    if (request.method === 'PUT' && match[2] && resource === 'job') {
      if (!store.has(match[2])) return fail(404, ['no such job']);
      return { ok: true, accepted: { op: 'update', resource, id: match[2], body }, reply: { status: 200, body: { id: match[2] } } };
    }
    return fail(405, [`${request.method} not allowed here`]);
  }

  private storeOf(resource: Resource): Map<string, VscoRecord> {
    return resource === 'job' ? this.jobs : resource === 'contact' ? this.contacts : this.jobContacts;
  }

  private jobContactProblems(body: Record<string, unknown>): string[] {
    const problems: string[] = [];
    if (typeof body.jobId !== 'string' || !this.jobs.has(body.jobId)) problems.push('jobId is not a job of this studio');
    if (typeof body.contactId !== 'string' || !this.contacts.has(body.contactId)) problems.push('contactId is not a contact of this studio');
    return problems;
  }

  protected override remember(write: VscoWrite): void {
    const store = this.storeOf(write.resource);
    if (write.op === 'update') {
      const record = store.get(write.id)!;
      record.fields = { ...record.fields, ...write.body };
      return;
    }
    const mappings = (write.body.externalMappings as { id: string }[] | undefined) ?? [];
    store.set(write.id, { id: write.id, fields: { ...write.body }, externalIds: mappings.map((m) => m.id) });
  }
}

function contactProblems(body: Record<string, unknown>): string[] {
  return ['person', 'company', 'location'].includes(String(body.kind)) ? [] : ['kind must be person, company or location'];
}

function jobProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if ('eventDate' in body && body.eventDate !== null && (typeof body.eventDate !== 'string' || !ISO_DATE.test(body.eventDate))) problems.push('eventDate is not a YYYY-MM-DD date');
  if ('guestCount' in body && body.guestCount !== null && !Number.isInteger(body.guestCount)) problems.push('guestCount is not an integer');
  if ('name' in body && typeof body.name !== 'string') problems.push('name is not a string');
  for (const readOnly of ['id', 'title', 'jobTypeName', 'created', 'modified']) if (readOnly in body) problems.push(`${readOnly} is read-only`);
  return problems;
}
