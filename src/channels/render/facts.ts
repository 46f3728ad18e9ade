import type { Fact, NotificationContent } from '../messages';

/**
 * The facts to list after the wedding's couple and date, which every channel shows first.
 * buildContent (src/decide/content.ts) also appends those two as facts; only such exact
 * repeats are dropped, so a "New date" equal to the wedding date still shows.
 */
export function extraFacts(content: NotificationContent): Fact[] {
  const { wedding } = content;
  if (!wedding) return [...content.facts];
  return content.facts.filter(
    (f) => !((f.label === 'Couple' && f.value === wedding.coupleName) || (f.label === 'Wedding date' && f.value === wedding.date)),
  );
}
