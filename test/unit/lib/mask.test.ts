import { describe, expect, it } from '@jest/globals';
import { maskEmail, maskedAddress, maskPhone } from '../../../src/lib/mask';
import { contentOf } from '../../support/delivery-factory';

describe('masking personal data for logs', () => {
  it('keeps an email recognisable without exposing it', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('nobody')).toBe('***');
  });

  it('keeps a phone number recognisable without exposing it', () => {
    expect(maskPhone('+14155550123')).toBe('+1415*****23');
    expect(maskPhone('12')).toBe('***');
  });

  it('shows only the host of secret webhook URLs', () => {
    const content = contentOf('normal');
    expect(maskedAddress({ channel: 'slack', webhookUrl: 'https://hooks.slack.com/services/T1/B2/secret', content })).toBe('hooks.slack.com');
    expect(maskedAddress({ channel: 'webhook', url: 'https://crm.example.com/h?token=abc', secrets: [], timeoutMs: 1, body: '' })).toBe('crm.example.com');
  });
});
