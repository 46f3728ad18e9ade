import { describe, expect, it } from '@jest/globals';
import { formatWeddingDate } from '../../../src/channels/render/labels';

describe('formatWeddingDate', () => {
  it('formats a calendar day the same however often, in either style, whatever the zone of the process', () => {
    for (let i = 0; i < 3; i += 1) {
      expect(formatWeddingDate('2026-06-20')).toBe('Saturday, 20 June 2026');
      expect(formatWeddingDate('2026-06-20', 'short')).toBe('Sat, 20 Jun 2026');
      expect(formatWeddingDate('2027-01-01', 'long')).toBe('Friday, 1 January 2027');
    }
  });

  it('keeps stored text that is not a date, on one line', () => {
    expect(formatWeddingDate('next\nspring')).toBe('next spring');
  });
});
