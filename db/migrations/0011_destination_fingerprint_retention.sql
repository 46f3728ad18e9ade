-- Up Migration
-- What a destination was when it was disabled: a SHA-256 of its tenant URL (never the URL, a
-- secret for Slack and Teams). A run that finds the tenant's row changed since (a new URL, an
-- endpoint switched back on) re-enables the destination instead of dead-lettering.
alter table destination_health add column disabled_fingerprint text;

-- Retention prunes finished deliveries and dead events by age.
create index deliveries_finished_idx on deliveries (finished_at) where finished_at is not null;
create index dead_events_created_idx on dead_events (created_at);

-- Down Migration
drop index if exists dead_events_created_idx;
drop index if exists deliveries_finished_idx;
alter table destination_health drop column if exists disabled_fingerprint;
