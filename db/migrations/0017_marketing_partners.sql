-- Up Migration
-- Email-marketing partners (Mailchimp, Constant Contact) on the connections of 0013, and what
-- marketing needs that a CRM does not: a recorded consent per person, the platform's own
-- "stop" (unsubscribed, forgotten, refused address), an audit of every sync with the consent it
-- went under, the partner's reference of each person (for erasure), OAuth states in flight, and
-- erasure requests written by the database itself when a person is deleted.
alter table partner_connections drop constraint partner_connections_partner_check;
alter table partner_connections add constraint partner_connections_partner_check
  check (partner in ('vsco-workspace', 'light-blue', 'honeybook-zapier', 'tripleseat', 'venue-webhook', 'mailchimp', 'constant-contact'));

-- 0010 predates the partner channel: its deliveries could not enter the ledger.
alter table deliveries drop constraint if exists deliveries_channel_check;
alter table deliveries add constraint deliveries_channel_check
  check (channel in ('webhook', 'email', 'sms', 'slack', 'teams', 'in_app', 'partner'));

-- A person's marketing consent as our app recorded it: when, where (the form or step that
-- asked), the wording they agreed to. The newest row counts; a withdrawal sets withdrawn_at.
create table marketing_consents (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  client_id uuid not null references clients (id) on delete cascade,
  granted_at timestamptz not null,
  source text not null check (length(source) between 1 and 200),
  wording text,
  withdrawn_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index marketing_consents_client_idx on marketing_consents (client_id, granted_at desc);

-- The platform said stop for this person: an unsubscribe (stops every marketing connection of
-- the organization), a forgotten address or a refused one (that connection only).
create table marketing_suppressions (
  connection_id uuid not null references partner_connections (id) on delete cascade,
  client_id uuid not null references clients (id) on delete cascade,
  reason text not null check (reason in ('unsubscribed', 'forgotten', 'invalid_address', 'compliance')),
  detail text,
  created_at timestamptz not null default now(),
  primary key (connection_id, client_id)
);
create index marketing_suppressions_client_idx on marketing_suppressions (client_id);

-- Who each person is in the platform (Mailchimp's subscriber hash, Constant Contact's
-- contact_id): what an erasure needs once our row is gone. Deleted once the erasure is done.
create table marketing_contacts (
  connection_id uuid not null references partner_connections (id) on delete cascade,
  client_id uuid not null,
  external_ref text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (connection_id, client_id)
);
create index marketing_contacts_client_idx on marketing_contacts (client_id);

-- Every sync and every skip: what was sent (field names, tags, journey step; never the address)
-- and under which consent. client_id has no foreign key: the record outlives the person.
create table marketing_syncs (
  id bigint generated always as identity primary key,
  organization_id uuid not null,
  connection_id uuid not null references partner_connections (id) on delete cascade,
  client_id uuid not null,
  delivery_id text,
  action text not null check (action in ('upserted', 'tagged', 'journey_triggered', 'listed', 'skipped', 'archived')),
  reason text,
  consent_id uuid,
  consent_source text,
  consent_granted_at timestamptz,
  sent jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index marketing_syncs_connection_idx on marketing_syncs (connection_id, client_id, created_at);
-- A journey step is started once per person and milestone, whatever the retries.
create unique index marketing_syncs_journey_once_idx on marketing_syncs (connection_id, client_id, (sent ->> 'milestone')) where action = 'journey_triggered';

-- An OAuth authorization started from the CLI: only the state's SHA-256 is kept.
create table oauth_authorizations (
  state_hash text primary key,
  connection_id uuid not null references partner_connections (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);

-- Right to erasure: the delete of a person writes its own request in the same transaction, so
-- no erasure is lost to a worker that was down or a change that intake missed.
create table marketing_erasures (
  client_id uuid primary key,
  organization_id uuid not null,
  requested_at timestamptz not null default now(),
  attempts integer not null default 0,
  last_error text,
  done_at timestamptz
);
create index marketing_erasures_pending_idx on marketing_erasures (requested_at) where done_at is null;

create function request_marketing_erasure() returns trigger language plpgsql as $$
begin
  if exists (select 1 from marketing_contacts where client_id = old.id) then
    insert into marketing_erasures (client_id, organization_id) values (old.id, old.organization_id) on conflict (client_id) do nothing;
  end if;
  return old;
end
$$;
create trigger clients_marketing_erasure after delete on clients for each row execute function request_marketing_erasure();

alter table marketing_consents enable row level security;
alter table marketing_suppressions enable row level security;
alter table marketing_contacts enable row level security;
alter table marketing_syncs enable row level security;
alter table oauth_authorizations enable row level security;
alter table marketing_erasures enable row level security;

-- Down Migration
drop trigger if exists clients_marketing_erasure on clients;
drop function if exists request_marketing_erasure();
drop table marketing_erasures;
drop table oauth_authorizations;
drop table marketing_syncs;
drop table marketing_contacts;
drop table marketing_suppressions;
drop table marketing_consents;
alter table deliveries drop constraint deliveries_channel_check;
alter table deliveries add constraint deliveries_channel_check check (channel in ('webhook', 'email', 'sms', 'slack', 'teams', 'in_app'));
alter table partner_connections drop constraint partner_connections_partner_check;
alter table partner_connections add constraint partner_connections_partner_check
  check (partner in ('vsco-workspace', 'light-blue', 'honeybook-zapier', 'tripleseat', 'venue-webhook'));
