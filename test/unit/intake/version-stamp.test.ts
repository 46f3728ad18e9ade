import { describe, expect, it } from '@jest/globals';
import { toEpochMicros, versionStamp } from '../../../src/intake/version-stamp';

describe('toEpochMicros', () => {
  it('reads one instant the same in every print of it', () => {
    const micros = 1_781_258_400_123_456n; // 2026-06-12T10:00:00.123456Z
    for (const text of [
      '2026-06-12T10:00:00.123456+00:00',
      '2026-06-12T12:00:00.123456+02:00',
      '2026-06-12 05:30:00.123456-04:30',
      '2026-06-12T10:00:00.123456Z',
      '2026-06-12T10:00:00.123456+00',
      '2026-06-12T10:00:00.123456', // timestamp without time zone, stored in UTC
    ]) {
      expect(toEpochMicros(text)).toBe(micros);
    }
  });

  it('keeps microseconds a JavaScript Date would drop', () => {
    expect(toEpochMicros('2026-06-12T10:00:00.000001Z')! - toEpochMicros('2026-06-12T10:00:00Z')!).toBe(1n);
    expect(toEpochMicros('2026-06-12T10:00:00.5Z')! - toEpochMicros('2026-06-12T10:00:00Z')!).toBe(500_000n);
  });

  it('refuses what is not a timestamp', () => {
    expect(toEpochMicros('yesterday')).toBeNull();
    expect(toEpochMicros('2026-06-12')).toBeNull();
  });

  it('refuses a date that is not on the calendar instead of rolling it into the next month', () => {
    expect(toEpochMicros('2026-02-28T10:00:00Z')).not.toBeNull();
    for (const text of ['2026-02-30T10:00:00Z', '2026-02-29 10:00:00', '2026-04-31T00:00:00+02:00', '2026-00-10T10:00:00Z', '2026-06-12T24:00:00Z', '2026-06-12T10:00:61Z', '2026-06-12T10:00:00+24:00']) {
      expect([text, toEpochMicros(text)]).toEqual([text, null]);
    }
    expect(toEpochMicros('2028-02-29T10:00:00Z')).not.toBeNull(); // a leap year
  });

  it('reads years below 100 as themselves', () => {
    expect(toEpochMicros('0024-01-01T00:00:00Z')).toBe(BigInt(Date.parse('0024-01-01T00:00:00Z')) * 1000n);
  });
});

describe('versionStamp', () => {
  it('tells timestamps by instant and other versions by value, never mixing the two', () => {
    expect(versionStamp('2026-06-12T12:00:00+02:00')).toBe(versionStamp('2026-06-12T10:00:00Z'));
    expect(versionStamp(7)).toBe('v7');
    expect(versionStamp('7')).toBe('v"7"');
    expect(versionStamp(null)).toBeNull();
    expect(versionStamp(undefined)).toBeNull();
  });
});
