import { describe, expect, it } from '@jest/globals';
import { maskedAddress } from '../../../src/channels/masked-address';
import { contentOf } from '../../support/delivery-factory';

describe('where a message goes, as a log shows it', () => {
  it('shows only the host of secret webhook URLs', () => {
    const content = contentOf('normal');
    expect(maskedAddress({ channel: 'slack', webhookUrl: 'https://hooks.slack.com/services/T1/B2/secret', content })).toBe('hooks.slack.com');
    expect(maskedAddress({ channel: 'webhook', url: 'https://crm.example.com/h?token=abc', secrets: [], timeoutMs: 1, body: '' })).toBe('crm.example.com');
  });
});
