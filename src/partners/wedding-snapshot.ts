import type { Queryable } from '../lib/queryable';

export type TimelineKind = 'setup' | 'ceremony' | 'reception' | 'other';

export interface SnapshotPerson {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
}

export interface SnapshotTimelineItem {
  readonly id: string;
  readonly title: string;
  readonly kind: TimelineKind | null;
  /** ISO-8601 UTC instants; mappings turn them into the wedding's local time. */
  readonly startsAt: string;
  readonly endsAt: string | null;
}

/** A wedding as it is now, read at send time: what every partner mapping starts from. */
export interface WeddingSnapshot {
  readonly weddingId: string;
  readonly organizationId: string;
  readonly organizationName: string;
  readonly coupleName: string;
  /** Local calendar date, YYYY-MM-DD, in `timeZone`. */
  readonly date: string;
  readonly timeZone: string;
  readonly venueName: string | null;
  readonly status: string;
  readonly guestCount: number | null;
  readonly dietaryRequirements: string | null;
  readonly accessibilityRequirements: string | null;
  readonly couple: readonly SnapshotPerson[];
  readonly timeline: readonly SnapshotTimelineItem[];
}

interface WeddingRow {
  id: string;
  organization_id: string;
  organization_name: string;
  couple_name: string;
  wedding_date: string;
  time_zone: string;
  venue_name: string | null;
  status: string;
  guest_count: number | null;
  dietary_requirements: string | null;
  accessibility_requirements: string | null;
  couple: SnapshotPerson[] | null;
  timeline: { id: string; title: string; kind: TimelineKind | null; starts_at: string; ends_at: string | null }[] | null;
}

// One statement, so the wedding, its couple and its timeline are one consistent snapshot.
const SNAPSHOT_SQL = `
  select w.id, w.organization_id, o.name as organization_name, w.couple_name, to_char(w.wedding_date, 'YYYY-MM-DD') as wedding_date,
         w.time_zone, w.venue_name, w.status, w.guest_count, w.dietary_requirements, w.accessibility_requirements,
         (select json_agg(json_build_object('id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone) order by c.created_at, c.id)
            from clients c where c.organization_id = w.organization_id and c.wedding_id = w.id) as couple,
         (select json_agg(json_build_object('id', t.id, 'title', t.title, 'kind', t.kind,
                   'starts_at', to_char(t.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'ends_at', to_char(t.ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) order by t.starts_at, t.id)
            from timeline_events t where t.organization_id = w.organization_id and t.wedding_id = w.id) as timeline
  from weddings w join organizations o on o.id = w.organization_id
  where w.organization_id = $1 and w.id = $2`;

/** The wedding of this organization as it is now, or null if it is gone. */
export async function loadWeddingSnapshot(db: Queryable, organizationId: string, weddingId: string): Promise<WeddingSnapshot | null> {
  const { rows } = await db.query<WeddingRow>({ text: SNAPSHOT_SQL, values: [organizationId, weddingId] });
  const row = rows[0];
  if (!row) return null;
  return {
    weddingId: row.id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    coupleName: row.couple_name,
    date: row.wedding_date,
    timeZone: row.time_zone,
    venueName: row.venue_name,
    status: row.status,
    guestCount: row.guest_count,
    dietaryRequirements: row.dietary_requirements,
    accessibilityRequirements: row.accessibility_requirements,
    couple: row.couple ?? [],
    timeline: (row.timeline ?? []).map((t) => ({ id: t.id, title: t.title, kind: t.kind, startsAt: t.starts_at, endsAt: t.ends_at })),
  };
}
