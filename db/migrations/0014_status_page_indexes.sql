-- Up Migration
-- The status page reads today's weddings' critical deliveries on every refresh: through an index,
-- never a scan of the whole ledger. Only critical rows enter it, so writes barely pay. (The last
-- 15 minutes of finished deliveries use deliveries_finished_idx from 0011.)
create index deliveries_critical_wedding_idx on deliveries (wedding_id) where priority = 'critical';

-- Down Migration
drop index if exists deliveries_critical_wedding_idx;
