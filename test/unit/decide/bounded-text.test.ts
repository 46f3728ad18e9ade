import { describe, expect, it } from '@jest/globals';
import { boundedText, MAX_FREE_TEXT } from '../../../src/decide/bounded-text';

describe('boundedText', () => {
  it('keeps text within the bound as it is', () => {
    expect(boundedText('Ana & Ben')).toBe('Ana & Ben');
    expect(boundedText('x'.repeat(MAX_FREE_TEXT))).toBe('x'.repeat(MAX_FREE_TEXT));
  });

  it('cuts a 100,000-character text to the bound, ellipsis included', () => {
    const cut = boundedText('y'.repeat(100_000));
    expect(cut).toHaveLength(MAX_FREE_TEXT);
    expect(cut.endsWith('y…')).toBe(true);
  });

  it('never cuts through an emoji sequence', () => {
    const family = '👩‍❤️‍👨';
    const cut = boundedText(`ab${family.repeat(10)}`, 12);
    expect(cut).toBe(`ab${family}…`);
  });
});
