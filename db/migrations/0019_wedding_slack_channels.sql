-- Up Migration
-- One Slack channel per wedding (issue 15, acceptance 4). The primary key is what makes two
-- replicas deciding at once create it once: creation runs under a transaction-scoped advisory
-- lock on the wedding, and this row is written before the lock is let go, so the second caller
-- finds it. No couple name here or in the channel's name: the row names the wedding by id.
create table wedding_slack_channels (
  wedding_id uuid primary key,
  organization_id uuid not null,
  channel_id text not null,
  channel_name text not null,
  -- The wedding's local date, for the archive sweep (archived some days after it).
  wedding_date date not null,
  created_at timestamptz not null default now(),
  archived_at timestamptz
);
create index wedding_slack_channels_to_archive_idx on wedding_slack_channels (wedding_date) where archived_at is null;

-- Down Migration
drop table if exists wedding_slack_channels;
