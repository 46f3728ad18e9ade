-- Up Migration
-- The status page reads the last 15 minutes of finished deliveries, and today's weddings' critical
-- ones, on every refresh: both through an index, never a scan of the whole ledger. finished_at is
-- written once per row, and only critical rows enter the second index, so writes barely pay.
create index deliveries_finished_idx on deliveries (finished_at) where finished_at is not null;
create index deliveries_critical_wedding_idx on deliveries (wedding_id) where priority = 'critical';

-- Down Migration
drop index if exists deliveries_critical_wedding_idx;
drop index if exists deliveries_finished_idx;
