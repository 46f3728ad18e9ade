-- Up Migration
-- Slack as an app per organization (issue 15): the organization's bot token is a connection
-- like the partners' (0013), sealed with CONNECTION_KEYS, so it is listed, disabled, revoked and
-- re-sealed by rotate-key with the others. Its options say whether it wants a channel per wedding.
alter table partner_connections drop constraint partner_connections_partner_check;
alter table partner_connections add constraint partner_connections_partner_check
  check (partner in ('vsco-workspace', 'light-blue', 'honeybook-zapier', 'tripleseat', 'venue-webhook', 'mailchimp', 'constant-contact', 'slack'));

-- A staff member's Slack user id (U…, or W… on Enterprise Grid): invited to each new wedding
-- channel of their organization. An id, not a handle: handles change and are not unique.
alter table organization_staff
  add column slack_user_id text check (slack_user_id is null or slack_user_id ~ '^[UW][A-Z0-9]{2,20}$');

-- Down Migration
alter table organization_staff drop column slack_user_id;
delete from partner_connections where partner = 'slack';
alter table partner_connections drop constraint partner_connections_partner_check;
alter table partner_connections add constraint partner_connections_partner_check
  check (partner in ('vsco-workspace', 'light-blue', 'honeybook-zapier', 'tripleseat', 'venue-webhook', 'mailchimp', 'constant-contact'));
