import { describe, expect, it } from '@jest/globals';
import { rowMatchesFilter } from '../../../src/intake/row-filter';

describe('rowMatchesFilter', () => {
  const row = { organization_id: 'org-1', amount_cents: 500, status: 'failed', note: null };
  it.each([
    [undefined, true],
    ['organization_id=eq.org-1', true],
    ['organization_id=eq.org-2', false],
    ['organization_id=neq.org-2', true],
    ['amount_cents=gt.400', true],
    ['amount_cents=lte.400', false],
    ['amount_cents=gte.500', true],
    ['amount_cents=lt.1000', true],
    ['status=in.(pending,failed)', true],
    ['status=in.(pending,received)', false],
    ['note=eq.null', false], // SQL: a comparison with NULL is never true
    ['missing=eq.x', false],
    ['not a filter', false],
  ])('%s → %s', (filter, expected) => {
    expect(rowMatchesFilter(filter, row)).toBe(expected);
  });

  it('judges a missing row as not matching', () => {
    expect(rowMatchesFilter('organization_id=eq.org-1', null)).toBe(false);
  });
});
