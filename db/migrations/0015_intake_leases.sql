-- Up Migration
-- Replicas split the intake: one replica at a time holds a stream (subscribes, catches up,
-- decides), by a lease renewed on a heart-beat. A holder that dies stops renewing; once
-- `expires_at` passes, a standby takes the lease over and resumes from the stream's cursor in
-- intake_cursors. Every takeover raises `epoch`, and a cursor save goes through only while the
-- saver's (holder, epoch) is still the row's: a replica that lost the lease cannot move the
-- cursor the new holder started from. A clean stop releases (holder null), so a peer takes the
-- stream at once. One row per stream name: bounded by the configuration.
create table intake_leases (
  stream text primary key,
  holder text,
  epoch bigint not null default 0,
  expires_at timestamptz not null,
  acquired_at timestamptz,
  renewed_at timestamptz
);

-- The replicas taking part, renewed with the leases: each holds about streams / replicas, so a
-- replica that starts first gives streams back as others join. Rows of replicas gone for more
-- than a minute are deleted by the next heart-beat.
create table intake_replicas (
  holder text primary key,
  expires_at timestamptz not null
);

alter table intake_leases enable row level security;
alter table intake_replicas enable row level security;

-- Down Migration
drop table if exists intake_replicas;
drop table if exists intake_leases;
