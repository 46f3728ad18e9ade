-- Up Migration
-- Broadcast from Database, the worker's "broadcast" intake mode: a row trigger calls
-- realtime.broadcast_changes, which writes the change to realtime.messages (kept 72 h) and
-- Realtime pushes it to the private channel of the topic. It is opt-in, because it costs a
-- message per row write even when no worker listens: `select attach_broadcast_triggers()`
-- (or with a topic name) puts the trigger on every tenant table, `detach_broadcast_triggers()`
-- takes it off.
--
-- Plain PostgreSQL has no `realtime` schema: there the trigger does nothing at all, so the same
-- migrations run on a laptop, in CI and on Supabase. The function is looked up at every call, so
-- a database that gains the schema later starts broadcasting without a new migration.
--
-- The private channel is authorized by RLS on realtime.messages; the worker joins with the
-- service role, which bypasses it. Give app users a policy of their own only if they need it.

-- TG_ARGV[0] is the topic; the event is the operation, as realtime.broadcast_changes expects.
create function broadcast_change() returns trigger
language plpgsql security definer set search_path from current as $$
begin
  if to_regprocedure('realtime.broadcast_changes(text, text, text, text, text, record, record, text)') is not null then
    perform realtime.broadcast_changes(
      coalesce(tg_argv[0], 'wedsync-changes'), tg_op, tg_op, tg_table_name, tg_table_schema, new, old, 'ROW'
    );
  end if;
  return null;
end
$$;

create function attach_broadcast_triggers(topic text default 'wedsync-changes') returns void
language plpgsql set search_path from current as $$
declare
  t text;
begin
  foreach t in array array[
    'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients',
    'form_responses', 'journey_progress', 'payments', 'timeline_events', 'wedding_alerts',
    'notification_preferences', 'webhook_endpoints'
  ] loop
    execute format('drop trigger if exists %I on %I', t || '_broadcast_change', t);
    execute format(
      'create trigger %I after insert or update or delete on %I for each row execute function broadcast_change(%L)',
      t || '_broadcast_change', t, topic
    );
  end loop;
end
$$;

create function detach_broadcast_triggers() returns void
language plpgsql set search_path from current as $$
declare
  t text;
begin
  foreach t in array array[
    'organizations', 'organization_staff', 'weddings', 'vendors', 'wedding_vendors', 'clients',
    'form_responses', 'journey_progress', 'payments', 'timeline_events', 'wedding_alerts',
    'notification_preferences', 'webhook_endpoints'
  ] loop
    execute format('drop trigger if exists %I on %I', t || '_broadcast_change', t);
  end loop;
end
$$;

-- Not RPCs for the app's users: attaching or detaching changes what every tenant's writes cost.
revoke execute on function attach_broadcast_triggers(text) from public;
revoke execute on function detach_broadcast_triggers() from public;
revoke execute on function broadcast_change() from public;

-- Down Migration
select detach_broadcast_triggers();
drop function if exists detach_broadcast_triggers();
drop function if exists attach_broadcast_triggers(text);
drop function if exists broadcast_change();
