-- Up Migration
-- Ordinary messages held by quiet hours or the hourly cap, waiting for their person's digest.
-- One row per held message, under the delivery id it would have had, so a change seen twice is
-- held once. The row keeps the message as the ledger would (recipient and event by id; no address,
-- no secret: the digest reads the address at send time like any delivery). It is written in the
-- same statement as the digest's graphile-worker job (job_key = the digest key), so nothing is
-- held without a job that will send it. Collection marks rows with the digest's delivery id in
-- the transaction that writes that delivery: a row is in exactly one digest.
create table digest_items (
  id text primary key,
  -- recipient, channel and window end: which digest the row waits for.
  digest_key text not null,
  organization_id uuid,
  recipient text not null,
  channel text not null,
  window_end timestamptz not null,
  item jsonb not null,
  created_at timestamptz not null default now(),
  digest_id text,
  collected_at timestamptz
);
create index digest_items_held_idx on digest_items (digest_key, created_at) where digest_id is null;
-- Collected rows stay a while (a duplicate change arriving late is still recognised), then go.
create index digest_items_collected_idx on digest_items (collected_at) where digest_id is not null;
-- The worker's own table, like the ledger: no policy, so the Data API's roles never read it.
alter table digest_items enable row level security;

-- 0010 predates the partner channel: a partner delivery could not enter the ledger (found by the
-- revoked-connection test). 0017 (marketing partners, another branch) also allows it; this adds
-- 'partner' only when the check does not allow it yet, keeping whatever else it allows.
do $$
declare
  def text;
begin
  select pg_get_constraintdef(c.oid) into def
  from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
  where c.conname = 'deliveries_channel_check' and t.relname = 'deliveries' and n.nspname = current_schema();
  if def is not null and position('''partner''' in def) = 0 then
    alter table deliveries drop constraint deliveries_channel_check;
    execute 'alter table deliveries add constraint deliveries_channel_check ' || replace(def, 'ARRAY[', 'ARRAY[''partner''::text, ');
  end if;
end $$;

-- Down Migration
drop table if exists digest_items;
