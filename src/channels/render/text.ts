const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// Bidirectional overrides can make a hostile name display as different text.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
// Line breaks and control characters (NUL included) in a name would forge extra lines or break formats.
const CONTROLS = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;

/** Customer text as one clean line: no controls, no bidi overrides, single spaces. */
export function oneLine(text: string): string {
  return text.replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

export interface ClipOptions {
  readonly ellipsis?: string;
  /** Applied to each grapheme, so the limit holds for the escaped text and never splits an entity. */
  readonly escape?: (text: string) => string;
}

/** `text`, escaped, cut at a grapheme boundary so that the result is at most `max` characters. */
export function clip(text: string, max: number, { ellipsis = '…', escape = (t) => t }: ClipOptions = {}): string {
  const whole = escape(text);
  if (whole.length <= max) return whole;
  let out = '';
  for (const grapheme of graphemes(text)) {
    const next = escape(grapheme);
    if (out.length + next.length + ellipsis.length > max) break;
    out += next;
  }
  return `${out.trimEnd()}${ellipsis}`;
}
