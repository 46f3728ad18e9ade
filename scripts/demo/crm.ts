import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { ConnectionStore } from '../../src/connections/connection-store';
import { CredentialCipher } from '../../src/connections/credential-cipher';
import { parseCredentialKeys } from '../../src/connections/credential-keys';
import type { VscoFake } from '../../test/support/fakes/vsco-fake';
import { DEMO_ORG_A } from '../../test/support/demo-ids';

/** A date change reaches the organization's partner connections (the shipped rules have none: it is per tenant). */
export const CRM_RULE = {
  name: 'crm-date',
  match: { table: 'weddings', events: ['UPDATE'], changedColumns: ['wedding_date'] },
  kind: 'wedding.date_changed',
  audiences: [{ type: 'partner_connections', change: 'date' }],
};

/**
 * The photographer's CRM for the demo: a CONNECTION_KEYS key made for this run, and organization
 * A's VSCO Workspace connection (sealed with it) that creates the job and the couple's contact on
 * first sync, as an operator would with `connections add`.
 */
export async function connectDemoCrm(pool: Pool, vsco: VscoFake): Promise<{ connectionKeys: string }> {
  const connectionKeys = `demo:${randomBytes(32).toString('base64')}`;
  const keys = parseCredentialKeys(connectionKeys);
  if ('problems' in keys) throw new Error(keys.problems.join('; '));
  const store = new ConnectionStore(pool, new CredentialCipher(keys.keyring));
  const apiKey = vsco.addKey(`vsco_demo_${randomBytes(8).toString('hex')}`);
  await store.add({ organizationId: DEMO_ORG_A.id, partner: 'vsco-workspace', name: 'Studio CRM', options: { changes: ['date'], createOnFirstSync: true }, credentials: { apiKey } });
  return { connectionKeys };
}

/** "VSCO Workspace: 1 job (…, 2026-…), 1 contact attached as client": what the CRM holds now. */
export function describeCrm(vsco: VscoFake): string {
  const jobs = [...vsco.jobs.values()].map((j) => `${String(j.fields.name)} on ${String(j.fields.eventDate)}`);
  const attached = [...vsco.jobContacts.values()].filter((c) => c.fields.client === true).length;
  return `VSCO Workspace: ${jobs.length} job(s) (${jobs.join('; ') || 'none'}), ${vsco.contacts.size} contact(s), ${attached} attached to its job as client`;
}
