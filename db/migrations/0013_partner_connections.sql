-- Up Migration
-- An organization's connections to its vendors' own systems (photography CRMs, venue booking
-- systems, Zapier hooks). Credentials are sealed by the worker with AES-256-GCM before they
-- reach this table: `credentials` holds iv (12 bytes) | auth tag (16 bytes) | ciphertext, and
-- `key_id` names the key of CONNECTION_KEYS that sealed it, so keys rotate row by row.
create table partner_connections (
  id uuid primary key,
  organization_id uuid not null references organizations (id) on delete cascade,
  partner text not null check (partner in ('vsco-workspace', 'light-blue', 'honeybook-zapier', 'tripleseat', 'venue-webhook')),
  name text not null check (length(name) between 1 and 100),
  -- Which kinds of change it receives and the mapping choices; never a secret.
  options jsonb not null default '{}',
  key_id text not null,
  credentials bytea not null,
  enabled boolean not null default true,
  health_state text not null default 'unknown' check (health_state in ('unknown', 'ok', 'failing', 'revoked', 'disabled')),
  health_reason text,
  health_since timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name),
  unique (organization_id, id)
);
create index partner_connections_organization_idx on partner_connections (organization_id) where enabled;

-- Which record of the partner's is this wedding (a Tripleseat event, a VSCO job found or made by
-- its external mapping): set by an operator or remembered after the first sync.
create table partner_links (
  connection_id uuid not null references partner_connections (id) on delete cascade,
  wedding_id uuid not null references weddings (id) on delete cascade,
  external_id text not null,
  updated_at timestamptz not null default now(),
  primary key (connection_id, wedding_id)
);

-- Like the ledger (0010): no policy, so only the service role and the owner read these rows,
-- never the Data API's anon or authenticated roles.
alter table partner_connections enable row level security;
alter table partner_links enable row level security;

-- What venue systems need that the wedding row did not hold yet.
alter table weddings
  add column guest_count integer check (guest_count is null or guest_count >= 0),
  add column dietary_requirements text,
  add column accessibility_requirements text;
-- Lets setup, ceremony and reception be told apart from other timeline items without reading titles.
alter table timeline_events
  add column kind text check (kind is null or kind in ('setup', 'ceremony', 'reception', 'other'));

-- Down Migration
alter table timeline_events drop column kind;
alter table weddings drop column accessibility_requirements, drop column dietary_requirements, drop column guest_count;
drop table partner_links;
drop table partner_connections;
