import { describe, expect, it } from '@jest/globals';
import { findingsFor } from '../../../bench/findings';

describe("BENCHMARKS.md's \"What bounds it\"", () => {
  it("finds figure 8's section for its rows 8a and 8b, once", () => {
    const eight = findingsFor(['8']);
    expect(eight.length).toBeGreaterThan(0);
    expect(findingsFor(['8a', '8b'])).toEqual(eight);
  });

  it("keeps a row's own section when it has one (2a is not 2's)", () => {
    expect(findingsFor(['2a'])).not.toEqual(findingsFor(['2b']));
    expect(findingsFor(['2a']).length).toBeGreaterThan(0);
    expect(findingsFor(['2a'])).toEqual(findingsFor(['2a·']));
  });
});
