-- Up Migration
-- A person's preferences are the organization's business: unique per (organization, person).
-- Unique on (person_kind, person_id) alone, a row filed under one organization for a person of
-- another (a bad import, a shared vendor id) blocked that person's own opt-out in their own
-- organization; readers already join on organization_id, so that row was never used either.
alter table notification_preferences
  drop constraint notification_preferences_person_kind_person_id_key,
  add constraint notification_preferences_organization_person_key unique (organization_id, person_kind, person_id);

-- The new unique index leads with organization_id and serves every lookup the old index did.
drop index notification_preferences_organization_idx;

-- Down Migration
-- Fails if a person now has rows in two organizations: that is the data this migration allows.
create index notification_preferences_organization_idx on notification_preferences (organization_id);
alter table notification_preferences
  drop constraint notification_preferences_organization_person_key,
  add constraint notification_preferences_person_kind_person_id_key unique (person_kind, person_id);
