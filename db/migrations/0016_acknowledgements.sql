-- Up Migration
-- Someone answered a message (issue 15). One row per event: the first acknowledgement, from any
-- channel, answers the event for everyone and cancels its escalation; a repeat (a second click, a
-- retried Slack request, a reply to an SMS already answered) inserts nothing. `actor` is a
-- reference (`staff:<uuid>`, `slack:<user id>`), never a phone number or an address.
create table acknowledgements (
  event_id text primary key,
  delivery_id text not null,
  organization_id uuid,
  channel text not null check (channel in ('email', 'sms', 'slack', 'teams', 'in_app')),
  actor text not null,
  -- Shown in the updated Slack message ("Acknowledged by …"); personal data, never in /status.
  actor_name text,
  acknowledged_at timestamptz not null
);
create index acknowledgements_organization_idx on acknowledgements (organization_id, acknowledged_at);

-- Acknowledge links are single-use: the delivery id a link was signed for is written here when it
-- is used, and a second use is refused. Rows older than the link lifetime can be pruned.
create table ack_link_uses (
  delivery_id text primary key,
  used_at timestamptz not null
);

-- A critical message waiting for an answer: which tier of people it has reached and when the next
-- one is due. The timer itself is a graphile-worker job keyed `escalate:<event id>`, so it survives
-- restarts and runs once across replicas; this row is what /status and a firing job read.
create table escalations (
  event_id text primary key,
  organization_id uuid,
  wedding_id uuid,
  kind text not null,
  priority text not null,
  policy text not null,
  -- 0 while only the first recipients have it; n once tier n of the policy was sent to.
  tier integer not null default 0,
  state text not null default 'waiting' check (state in ('waiting', 'acknowledged', 'exhausted')),
  next_at timestamptz,
  -- The notification's content, re-sent to each tier (the ledger holds the same).
  content jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null default now()
);
create index escalations_open_idx on escalations (created_at) where state <> 'acknowledged';

-- "OK" by SMS acknowledges the newest unanswered critical SMS to that person.
create index deliveries_sms_recipient_idx on deliveries (recipient, created_at) where channel = 'sms' and priority = 'critical';

alter table acknowledgements enable row level security;
alter table ack_link_uses enable row level security;
alter table escalations enable row level security;

-- Down Migration
drop index if exists deliveries_sms_recipient_idx;
drop table if exists escalations;
drop table if exists ack_link_uses;
drop table if exists acknowledgements;
