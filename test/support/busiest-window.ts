/** The most instants found in any window of `windowMs` (its start included, its end not): what a partner counting "N in any window" sees. */
export function busiestWindow(instantsMs: readonly number[], windowMs: number): number {
  const sorted = [...instantsMs].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[j]! <= sorted[i]! - windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
