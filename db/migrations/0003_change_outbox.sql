-- Up Migration
-- Realtime delivers at most once: a change made while the worker's socket is down is gone. The
-- outbox keeps every change of the tenant tables as a row, with the old and the new row whole
-- (so DELETEs and changed columns are complete whatever the replica identity), and the worker
-- reads back in id order whatever it missed. It streams the outbox through Realtime (INSERTs on
-- change_outbox) and reads it back after every reconnect from its cursor in intake_cursors.
--
-- Retention: nothing here deletes outbox rows. Run `select prune_change_outbox('7 days')` from a
-- scheduler (pg_cron on Supabase). A worker down for longer than the retention misses what was
-- pruned; its catch-up resumes at the oldest row left.

create table change_outbox (
  id bigserial primary key,
  organization_id uuid,
  source_schema text not null,
  source_table text not null,
  operation text not null check (operation in ('INSERT', 'UPDATE', 'DELETE')),
  record jsonb,
  old_record jsonb,
  -- clock_timestamp(), not now(): rows of one transaction keep their order in time too.
  changed_at timestamptz not null default clock_timestamp()
);
-- Catch-up reads `where id > $cursor order by id limit n`: the primary key's index serves it.
-- Pruning deletes by age.
create index change_outbox_changed_at_idx on change_outbox (changed_at);

-- The worker keeps one row per intake stream: where its catch-up resumes.
create table intake_cursors (
  name text primary key,
  position jsonb not null,
  updated_at timestamptz not null default now()
);

-- Both tables hold every tenant's data. On Supabase every table of the public schema is served by
-- the Data API; with row level security on and no policy, only the service role (the worker)
-- and the owner can read them.
alter table change_outbox enable row level security;
alter table intake_cursors enable row level security;

-- SECURITY DEFINER: the app's own roles write the tenant tables and fire this trigger, but must
-- not be able to read or write the outbox themselves. The search path is pinned to the schema
-- being migrated, so the outbox of the right schema is written whoever's session fires it.
-- TG_ARGV[0] names the column holding the organization id (`id` for organizations).
create function capture_change() returns trigger
language plpgsql security definer set search_path from current as $$
declare
  new_row jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  old_row jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
begin
  insert into change_outbox (organization_id, source_schema, source_table, operation, record, old_record)
  values (
    (coalesce(new_row, old_row) ->> coalesce(tg_argv[0], 'organization_id'))::uuid,
    tg_table_schema, tg_table_name, tg_op, new_row, old_row
  );
  return null;
end
$$;

do $$
declare
  t text;
begin
  foreach t in array array[
    'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients',
    'form_responses', 'journey_progress', 'payments', 'timeline_events', 'wedding_alerts',
    'notification_preferences', 'webhook_endpoints'
  ] loop
    execute format(
      'create trigger %I after insert or update or delete on %I for each row execute function capture_change(%L)',
      t || '_capture_change', t, case t when 'organizations' then 'id' else 'organization_id' end
    );
  end loop;
end
$$;

-- Deletes outbox rows older than the given age; returns how many. Deleting in one statement
-- holds locks on every row at once: with a large backlog, call it with decreasing ages.
create function prune_change_outbox(older_than interval) returns bigint
language sql set search_path from current as $$
  with gone as (delete from change_outbox where changed_at < clock_timestamp() - older_than returning 1)
  select count(*) from gone
$$;

-- Functions are executable by PUBLIC by default, and the Data API exposes them as RPCs: only the
-- owner (and the service role, granted below when it exists) may prune.
revoke execute on function prune_change_outbox(interval) from public;
revoke execute on function capture_change() from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on function prune_change_outbox(interval) to service_role';
  end if;
end
$$;

-- Same rule as 0002: only an existing, table-by-table publication gets the outbox.
do $$
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime' and not puballtables)
    and not exists (
      select 1 from pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = current_schema() and tablename = 'change_outbox'
    ) then
    execute format('alter publication supabase_realtime add table %I.change_outbox', current_schema());
  end if;
end
$$;

-- Down Migration
do $$
declare
  t text;
begin
  foreach t in array array[
    'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients',
    'form_responses', 'journey_progress', 'payments', 'timeline_events', 'wedding_alerts',
    'notification_preferences', 'webhook_endpoints'
  ] loop
    execute format('drop trigger if exists %I on %I', t || '_capture_change', t);
  end loop;
end
$$;
drop function if exists prune_change_outbox(interval);
drop function if exists capture_change();
drop table if exists intake_cursors;
drop table if exists change_outbox;
