-- Demo and test data: two organizations with look-alike data (the same vendor and couple names,
-- different ids and contact details), so a leak from one tenant to the other shows. Ids follow
-- 0000000<org>-<kind>-4000-8000-<n>, mirrored in test/support/demo-ids.ts. Safe to run again: rows
-- that exist are left alone, except wedding dates, which move so that one wedding is always today
-- in its own time zone. Unqualified names: run it with search_path set to the target schema.

-- Session-scoped, so the seed leaves no function behind in the schema.
create or replace function pg_temp.demo_id(org text, kind text, n int) returns uuid
language sql immutable as $$
  select format('0000000%s-%s-4000-8000-%s', org, kind, lpad(n::text, 12, '0'))::uuid
$$;

create temporary table if not exists demo_org (letter text primary key, name text, domain text, phone_block text);
truncate demo_org;
insert into demo_org values
  ('a', 'Harbor Lights Weddings', 'example.com', '+141555501'),
  ('b', 'Harbour Lights Weddings', 'example.org', '+161755502');

insert into organizations (id, name, time_zone, slack_webhook_url, teams_webhook_url, app_base_url)
select pg_temp.demo_id(letter, '0001', 1), name, 'America/New_York',
  'http://127.0.0.1:9/slack/' || letter, 'http://127.0.0.1:9/teams/' || letter, 'http://127.0.0.1:9/app/' || letter
from demo_org
on conflict do nothing;

insert into organization_staff (id, organization_id, name, role, email, phone)
select pg_temp.demo_id(o.letter, '0002', s.n), pg_temp.demo_id(o.letter, '0001', 1), s.name, s.role,
  s.local || '@' || o.domain, o.phone_block || lpad(s.n::text, 2, '0')
from demo_org o cross join (values
  (1, 'Priya Patel', 'planner', 'priya'),
  (2, 'Marcus Chen', 'finance', 'accounts')
) as s (n, name, role, local)
on conflict do nothing;

insert into weddings (id, organization_id, couple_name, wedding_date, time_zone, venue_name, status)
select pg_temp.demo_id(o.letter, '0003', w.n), pg_temp.demo_id(o.letter, '0001', 1), w.couple,
  (now() at time zone 'America/New_York')::date + w.days_ahead, 'America/New_York', 'Rosewood Manor', w.status
from demo_org o cross join (values
  (1, 'Avery Quinn & Jordan Blake', 0, 'confirmed'),
  (2, 'Sam Rivera & Riley Morgan', 5, 'confirmed'),
  (3, 'Casey Kim & Drew Park', 40, 'planned')
) as w (n, couple, days_ahead, status)
on conflict (id) do update set wedding_date = excluded.wedding_date
  where weddings.wedding_date is distinct from excluded.wedding_date;

insert into vendors (id, organization_id, name, category, email, phone)
select pg_temp.demo_id(o.letter, '0004', v.n), pg_temp.demo_id(o.letter, '0001', 1), v.name, v.category,
  v.local || '@' || o.domain, o.phone_block || (10 + v.n)::text
from demo_org o cross join (values
  (1, 'Lens & Light Studio', 'photography', 'lens-light'),
  (2, 'Rosewood Manor', 'venue', 'rosewood'),
  (3, 'Petal & Stem', 'florist', 'petal-stem'),
  (4, 'Day-Of Dreams', 'planning', 'day-of-dreams')
) as v (n, name, category, local)
on conflict do nothing;

-- Today's wedding has every vendor, and the venue also caters; later weddings have fewer.
insert into wedding_vendors (organization_id, wedding_id, vendor_id, role)
select pg_temp.demo_id(o.letter, '0001', 1), pg_temp.demo_id(o.letter, '0003', a.wedding),
  pg_temp.demo_id(o.letter, '0004', a.vendor), a.role
from demo_org o cross join (values
  (1, 1, 'photographer'), (1, 2, 'venue'), (1, 2, 'caterer'), (1, 3, 'florist'), (1, 4, 'planner'),
  (2, 1, 'photographer'), (2, 2, 'venue'), (2, 4, 'planner'),
  (3, 1, 'photographer'), (3, 2, 'venue')
) as a (wedding, vendor, role)
on conflict do nothing;

insert into clients (id, organization_id, wedding_id, name, email, phone)
select pg_temp.demo_id(o.letter, '0005', c.n), pg_temp.demo_id(o.letter, '0001', 1),
  pg_temp.demo_id(o.letter, '0003', c.wedding), c.name, c.local || '@' || o.domain, o.phone_block || (20 + c.n)::text
from demo_org o cross join (values
  (1, 1, 'Avery Quinn', 'avery'), (2, 1, 'Jordan Blake', 'jordan'),
  (3, 2, 'Sam Rivera', 'sam'), (4, 2, 'Riley Morgan', 'riley'),
  (5, 3, 'Casey Kim', 'casey'), (6, 3, 'Drew Park', 'drew')
) as c (n, wedding, name, local)
on conflict do nothing;

-- The photographer sleeps 22:00-07:00, Avery takes no SMS, finance wants at most 10 an hour.
insert into notification_preferences
  (id, organization_id, person_kind, person_id, opt_out_channels, quiet_hours_start, quiet_hours_end, time_zone, hourly_cap)
select pg_temp.demo_id(o.letter, '0007', p.n), pg_temp.demo_id(o.letter, '0001', 1), p.kind,
  pg_temp.demo_id(o.letter, p.person_kind_code, p.person_n), p.opt_out::text[], p.quiet_start::time, p.quiet_end::time,
  p.time_zone, p.hourly_cap
from demo_org o cross join (values
  (1, 'vendor', '0004', 1, '{}', '22:00', '07:00', 'America/New_York', null::int),
  (2, 'client', '0005', 1, '{sms}', null, null, null, null),
  (3, 'staff', '0002', 2, '{}', null, null, null, 10)
) as p (n, kind, person_kind_code, person_n, opt_out, quiet_start, quiet_end, time_zone, hourly_cap)
on conflict do nothing;

-- The demo rewrites the URL to its sandbox partner; port 9 (discard) receives nothing meanwhile.
insert into webhook_endpoints (id, organization_id, name, url, secret)
select pg_temp.demo_id(o.letter, '0006', 1), pg_temp.demo_id(o.letter, '0001', 1), 'partner-crm',
  'http://127.0.0.1:9/hooks', 'whsec_' || encode(convert_to('wedsync-demo-org-' || o.letter || '-signing-key-32b', 'UTF8'), 'base64')
from demo_org o
on conflict do nothing;

-- A few rows of today's wedding for the demo to update: a payment, the ceremony, a milestone.
insert into payments (id, organization_id, wedding_id, vendor_id, amount_cents, status)
select pg_temp.demo_id(o.letter, '0008', 1), pg_temp.demo_id(o.letter, '0001', 1),
  pg_temp.demo_id(o.letter, '0003', 1), pg_temp.demo_id(o.letter, '0004', 3), 125000, 'pending'
from demo_org o
on conflict do nothing;

insert into timeline_events (id, organization_id, wedding_id, title, starts_at, ends_at, vendor_ids)
select pg_temp.demo_id(o.letter, '0009', 1), pg_temp.demo_id(o.letter, '0001', 1), pg_temp.demo_id(o.letter, '0003', 1),
  'Ceremony', ceremony, ceremony + interval '45 minutes',
  array[pg_temp.demo_id(o.letter, '0004', 1), pg_temp.demo_id(o.letter, '0004', 2)]
from demo_org o
cross join lateral (
  select ((now() at time zone 'America/New_York')::date + time '16:00') at time zone 'America/New_York' as ceremony
) as t
on conflict do nothing;

insert into journey_progress (id, organization_id, wedding_id, milestone, status, completed_at)
select pg_temp.demo_id(o.letter, '000a', 1), pg_temp.demo_id(o.letter, '0001', 1), pg_temp.demo_id(o.letter, '0003', 1),
  'final_walkthrough', 'completed', now()
from demo_org o
on conflict do nothing;

drop table demo_org;
