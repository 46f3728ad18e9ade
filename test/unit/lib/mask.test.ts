import { describe, expect, it } from '@jest/globals';
import { maskEmail, maskPhone } from '../../../src/lib/mask';

describe('masking personal data for logs', () => {
  it('keeps an email recognisable without exposing it', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('nobody')).toBe('***');
  });

  it('keeps a phone number recognisable without exposing it', () => {
    expect(maskPhone('+14155550123')).toBe('+1415*****23');
    expect(maskPhone('12')).toBe('***');
  });
});
