-- Up Migration
-- In-app notifications the worker writes back; the app shows them through its own Realtime
-- subscription. `delivery_id` is the worker's idempotency key: a retried or replayed delivery
-- can never create a second row.
create table if not exists notifications (
  id uuid primary key default gen_random_uuid(),
  delivery_id text not null unique,
  organization_id uuid not null,
  recipient_kind text not null check (recipient_kind in ('vendor', 'client', 'staff')),
  recipient_id uuid not null,
  wedding_id uuid,
  kind text not null,
  title text not null,
  body text not null,
  priority text not null check (priority in ('critical', 'high', 'normal', 'low')),
  link text,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index if not exists notifications_recipient_idx
  on notifications (organization_id, recipient_kind, recipient_id, created_at desc);

-- Down Migration
drop table if exists notifications;
