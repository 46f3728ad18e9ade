-- Up Migration
-- The worker's durable state. `deliveries` is the ledger: one row per delivery id, written in the
-- same transaction as its graphile-worker job, before the first attempt. Its primary key is what
-- makes delivery exactly-once per id: a change seen twice (two replicas, a catch-up overlap, a
-- restart) plans the same ids, and the second insert is a no-op that enqueues nothing.
create table deliveries (
  id text primary key,
  event_id text not null,
  organization_id uuid,
  wedding_id uuid,
  channel text not null check (channel in ('webhook', 'email', 'sms', 'slack', 'teams', 'in_app')),
  recipient text not null,
  destination text not null,
  priority text not null check (priority in ('critical', 'high', 'normal', 'low')),
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead', 'failed_over')),
  attempts integer not null default 0,
  runs integer not null default 0,
  not_before timestamptz,
  deadline timestamptz,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  last_status integer,
  dead_reason text,
  provider_message_id text,
  failed_over_to text,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create index deliveries_pending_idx on deliveries (priority, next_attempt_at) where status = 'pending';
create index deliveries_dead_idx on deliveries (updated_at) where status = 'dead';
create index deliveries_org_idx on deliveries (organization_id, created_at);
create index deliveries_destination_idx on deliveries (destination, created_at);

-- Changes that could not be decided on (no such organization or wedding): kept with the reason.
create table dead_events (
  event_id text primary key,
  source_table text not null,
  operation text not null,
  reason text not null,
  event jsonb not null,
  created_at timestamptz not null default now()
);

-- Per destination: the circuit breaker and the disable decision, shared by every replica.
create table destination_health (
  destination text primary key,
  consecutive_failures integer not null default 0,
  first_failure_at timestamptz,
  open_until timestamptz,
  last_error text,
  disabled_at timestamptz,
  disabled_reason text,
  updated_at timestamptz not null default now()
);

-- Every running worker process and the graphile-worker ids it runs jobs under. A process that
-- stops heart-beating (kill -9, a lost node) is presumed dead: another one unlocks its jobs, which
-- graphile-worker would otherwise keep locked for four hours.
create table worker_processes (
  process_id text primary key,
  worker_ids text[] not null default '{}',
  started_at timestamptz not null default now(),
  last_seen timestamptz not null default now()
);

-- The ledger holds message payloads (addresses, signing secrets): on Supabase, where the public
-- schema is served by the Data API, row-level security with no policy keeps every role but the
-- service role (which bypasses it) and the table owner out.
alter table deliveries enable row level security;
alter table dead_events enable row level security;
alter table destination_health enable row level security;
alter table worker_processes enable row level security;

-- Down Migration
drop table if exists worker_processes;
drop table if exists destination_health;
drop table if exists dead_events;
drop table if exists deliveries;
