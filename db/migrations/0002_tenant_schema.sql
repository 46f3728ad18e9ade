-- Up Migration
-- The tenant data the worker reads to decide who hears about a change. Every tenant table
-- carries organization_id, and every reference to a wedding or vendor is a composite foreign key
-- on (organization_id, id): the database itself refuses a row that links one organization's
-- wedding to another's vendor, so tenant isolation does not rest on the queries alone.
--
-- Plain `create table` (no `if not exists`): on a database that already has an application table
-- of the same name, this migration must fail loudly rather than build on a different shape.
--
-- Contact details (email, phone), secrets and time zones are not format-checked here: the
-- channels validate them and classify a bad one as a permanent failure, and tests need to be
-- able to store a bad one to prove it.

create function set_updated_at() returns trigger language plpgsql as $$
begin
  -- now() is the transaction's start, not its commit: readers of "changed since T" must overlap.
  new.updated_at := now();
  return new;
end
$$;

create table organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  time_zone text not null default 'UTC',
  slack_webhook_url text,
  teams_webhook_url text,
  app_base_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table organization_staff (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null,
  role text not null check (role in ('owner', 'planner', 'coordinator', 'finance')),
  email text,
  phone text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index organization_staff_organization_idx on organization_staff (organization_id);

create table weddings (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  couple_name text not null,
  wedding_date date not null,
  time_zone text not null,
  venue_name text,
  status text not null default 'planned' check (status in ('planned', 'confirmed', 'completed', 'cancelled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, id)
);
create index weddings_organization_idx on weddings (organization_id, wedding_date);

create table vendors (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null,
  category text,
  email text,
  phone text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, id)
);
create index vendors_organization_idx on vendors (organization_id);

create table wedding_vendors (
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  vendor_id uuid not null,
  role text not null check (role <> ''),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (wedding_id, vendor_id, role),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade,
  foreign key (organization_id, vendor_id) references vendors (organization_id, id) on delete cascade
);
create index wedding_vendors_organization_idx on wedding_vendors (organization_id, wedding_id);
create index wedding_vendors_vendor_idx on wedding_vendors (vendor_id);

create table clients (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  name text not null,
  email text,
  phone text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade
);
create index clients_organization_idx on clients (organization_id, wedding_id);

create table form_responses (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  vendor_id uuid,
  form_name text not null,
  answers jsonb not null default '{}'::jsonb,
  submitted_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade,
  foreign key (organization_id, vendor_id) references vendors (organization_id, id) on delete cascade
);
create index form_responses_organization_idx on form_responses (organization_id, wedding_id);

create table journey_progress (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  milestone text not null,
  status text not null default 'pending' check (status in ('pending', 'completed')),
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (wedding_id, milestone),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade
);
create index journey_progress_organization_idx on journey_progress (organization_id, wedding_id);

create table payments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  vendor_id uuid,
  amount_cents bigint not null check (amount_cents >= 0),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  status text not null default 'pending' check (status in ('pending', 'received', 'failed', 'refunded')),
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade,
  foreign key (organization_id, vendor_id) references vendors (organization_id, id) on delete set null (vendor_id)
);
create index payments_organization_idx on payments (organization_id, wedding_id);

create table timeline_events (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  title text not null,
  starts_at timestamptz not null,
  ends_at timestamptz check (ends_at is null or ends_at >= starts_at),
  -- An array cannot carry a foreign key; readers join it to vendors of the same organization.
  vendor_ids uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade
);
create index timeline_events_organization_idx on timeline_events (organization_id, wedding_id, starts_at);

create table wedding_alerts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  wedding_id uuid not null,
  severity text not null check (severity in ('emergency', 'warning', 'info')),
  message text not null,
  raised_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (organization_id, wedding_id) references weddings (organization_id, id) on delete cascade
);
create index wedding_alerts_organization_idx on wedding_alerts (organization_id, wedding_id);

-- person_id points at a vendor, client or staff row by kind, so it cannot carry a foreign key;
-- readers join on organization_id too, so a row filed under another organization is never used.
create table notification_preferences (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  person_kind text not null check (person_kind in ('vendor', 'client', 'staff')),
  person_id uuid not null,
  opt_out_channels text[] not null default '{}'
    check (opt_out_channels <@ array['webhook', 'email', 'sms', 'slack', 'teams', 'in_app']),
  quiet_hours_start time,
  quiet_hours_end time,
  time_zone text,
  hourly_cap int check (hourly_cap is null or hourly_cap >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (person_kind, person_id),
  check ((quiet_hours_start is null) = (quiet_hours_end is null))
);
create index notification_preferences_organization_idx on notification_preferences (organization_id);

create table webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null,
  url text not null,
  secret text not null,
  event_types text[] not null default '{*}',
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  rate_limit_per_minute int not null default 100 check (rate_limit_per_minute > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);
create index webhook_endpoints_organization_idx on webhook_endpoints (organization_id);

do $$
declare
  t text;
begin
  foreach t in array array[
    'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients',
    'form_responses', 'journey_progress', 'payments', 'timeline_events', 'wedding_alerts',
    'notification_preferences', 'webhook_endpoints'
  ] loop
    execute format('create trigger %I before update on %I for each row execute function set_updated_at()', t || '_updated_at', t);
    -- Catch-up after a reconnect pages through "changed since T" on every table it may subscribe to.
    execute format('create index %I on %I (updated_at, %s)', t || '_updated_at_idx', t,
      case t when 'wedding_vendors' then 'wedding_id, vendor_id, role' else 'id' end);
  end loop;
end
$$;

-- The worker compares old and new values of the updated columns; without FULL the old record
-- holds only the primary key.
alter table weddings replica identity full;
alter table payments replica identity full;
alter table timeline_events replica identity full;
alter table clients replica identity full;
alter table journey_progress replica identity full;

-- Hosted Supabase streams only the tables in this publication; plain PostgreSQL has none, and a
-- FOR ALL TABLES publication already covers these tables (and refuses ADD TABLE).
do $$
declare
  t text;
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime' and not puballtables) then
    foreach t in array array[
      'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients',
      'form_responses', 'journey_progress', 'payments', 'timeline_events', 'wedding_alerts',
      'notification_preferences', 'webhook_endpoints'
    ] loop
      if not exists (
        select 1 from pg_publication_tables
        where pubname = 'supabase_realtime' and schemaname = current_schema() and tablename = t
      ) then
        execute format('alter publication supabase_realtime add table %I.%I', current_schema(), t);
      end if;
    end loop;
  end if;
end
$$;

-- Down Migration
drop table if exists webhook_endpoints;
drop table if exists notification_preferences;
drop table if exists wedding_alerts;
drop table if exists timeline_events;
drop table if exists payments;
drop table if exists journey_progress;
drop table if exists form_responses;
drop table if exists clients;
drop table if exists wedding_vendors;
drop table if exists vendors;
drop table if exists weddings;
drop table if exists organization_staff;
drop table if exists organizations;
drop function if exists set_updated_at();
