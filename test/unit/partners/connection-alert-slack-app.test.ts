import { describe, expect, it } from '@jest/globals';
import type { ConnectionSummary } from '../../../src/connections/connection';
import { connectionOptionsSchema } from '../../../src/connections/connection';
import type { Organization } from '../../../src/context/event-context';
import { connectionStoppedAlert } from '../../../src/partners/connection-alert';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const connection = (partner: ConnectionSummary['partner']): ConnectionSummary => ({
  id: '11111111-0000-4000-8000-000000000001',
  organizationId: '22222222-0000-4000-8000-000000000002',
  partner,
  name: partner,
  options: connectionOptionsSchema.parse({}),
  enabled: false,
  health: { state: 'revoked', reason: 'refused', sinceMs: NOW - 1000 },
  keyId: 'k1',
});
const appOnly: Organization = { id: '22222222-0000-4000-8000-000000000002', name: 'Bloom', timeZone: 'UTC', slackWebhookUrl: null, teamsWebhookUrl: null, slackApp: { weddingChannels: false, defaultChannel: 'C0123ABCD' } };
const available = new Set(['slack', 'teams'] as const);

describe('the stopped-connection message for an organization with only the Slack app', () => {
  it("goes to the app's default channel: a Slack message without a hook", () => {
    const alert = connectionStoppedAlert(connection('tripleseat'), 'invalid token', appOnly, ['slack', 'teams'], available, NOW);
    expect(alert).toMatchObject({ channel: 'slack', recipient: { kind: 'organization', id: appOnly.id }, fallbacks: [] });
    expect(alert!.message).not.toHaveProperty('webhookUrl');
  });

  it("is not sent through the Slack app whose own token was refused, nor without a default channel", () => {
    expect(connectionStoppedAlert(connection('slack'), 'token_revoked', appOnly, ['slack', 'teams'], available, NOW)).toBeNull();
    const noDefault = { ...appOnly, slackApp: { weddingChannels: true, defaultChannel: null } };
    expect(connectionStoppedAlert(connection('tripleseat'), 'invalid token', noDefault, ['slack', 'teams'], available, NOW)).toBeNull();
  });
});
