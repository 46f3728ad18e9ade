import type { Pool } from 'pg';

/**
 * Plain PostgreSQL has no `realtime` schema, so migration 0004's trigger does nothing here. This
 * puts a stand-in in the test schema: `messages` with the columns of realtime.messages
 * (realtime-protocol.md §4), and `broadcast_changes` building the payload the way Supabase's
 * realtime.broadcast_changes + realtime.send do (the message id added to the payload), fired by a
 * trigger on `tables`. Returns the qualified name of the messages table.
 */
export async function installBroadcastStandIn(pool: Pool, schema: string, topic: string, tables: readonly string[]): Promise<string> {
  const q = (name: string) => `"${schema}".${name}`;
  await pool.query(`
    create table ${q('messages')} (
      topic text not null,
      extension text not null,
      payload jsonb,
      event text,
      private boolean default false,
      updated_at timestamp not null default now(),
      inserted_at timestamp not null default now(),
      id uuid not null default gen_random_uuid(),
      binary_payload bytea,
      primary key (id, inserted_at),
      check (payload is null or binary_payload is null)
    );
    create function ${q('broadcast_changes')}(topic_name text, event_name text, operation text, table_name text, table_schema text, new record, old record, level text default 'ROW')
    returns void language plpgsql as $$
    declare
      generated uuid := gen_random_uuid();
      row_data jsonb := jsonb_build_object('old_record', old, 'record', new, 'operation', operation, 'table', table_name, 'schema', table_schema);
    begin
      insert into ${q('messages')} (id, payload, event, topic, private, extension)
      values (generated, row_data || jsonb_build_object('id', generated), event_name, topic_name, true, 'broadcast');
    end
    $$;
    create function ${q('stand_in_broadcast_change')}() returns trigger language plpgsql as $$
    begin
      perform ${q('broadcast_changes')}(tg_argv[0], tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
      return null;
    end
    $$;
  `);
  for (const table of tables) {
    await pool.query(
      `create trigger ${table}_stand_in_broadcast after insert or update or delete on ${q(table)} for each row execute function ${q('stand_in_broadcast_change')}('${topic}')`,
    );
  }
  return q('messages');
}
