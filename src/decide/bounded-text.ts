/**
 * The most characters of customer-typed text a notification carries. Channels cut far shorter
 * (an SMS holds ~600), but every renderer walks its input: a 100,000-character form answer must
 * cost what a short one does, so the cut happens once, here, before any channel sees the text.
 */
export const MAX_FREE_TEXT = 2000;

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** `text` cut to at most `max` characters at a grapheme boundary (never through an emoji), marked with "…". */
export function boundedText(text: string, max = MAX_FREE_TEXT): string {
  if (text.length <= max) return text;
  // Keep what comes before the grapheme holding character max - 1 (room for the "…"); a boundary
  // depends only on the characters around it, so the text beyond the cut is never segmented.
  const cutGrapheme = graphemeSegmenter.segment(text.slice(0, max)).containing(max - 1)!;
  return `${text.slice(0, cutGrapheme.index)}…`;
}
