const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// Line breaks and control characters (NUL, ESC, DEL, U+0085 included) would forge extra lines or break formats.
const CONTROLS = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;
// Characters that draw nothing: zero-width spaces and joiners, bidi marks, embeddings, overrides and
// isolates (a hostile name can display as other text), soft hyphens, fillers, variation selectors, tags.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const INVISIBLE_ALL = /\p{Default_Ignorable_Code_Point}/gu;
// Inside an emoji they are its parts: ZWJ joins 👩‍👩‍👧, VS-15/16 pick the style, tags spell a subdivision flag.
const EMOJI = /\p{Extended_Pictographic}/u;
const NOT_EMOJI_PART = /(?!\u200D|\uFE0E|\uFE0F|[\u{E0020}-\u{E007F}])\p{Default_Ignorable_Code_Point}/gu;
// Persian and the Indic scripts need ZWNJ between two letters to spell a word; ASCII never does.
const LETTER_BEFORE = /[^\p{ASCII}\P{L}]\p{M}*$/u;
const LETTER_AFTER = /^[^\p{ASCII}\P{L}]/u;
const ANY_ZWNJ = /\u200C/gu;

/** Customer text as one clean line: no controls, nothing invisible, single spaces. */
export function oneLine(text: string): string {
  return withoutInvisibles(text).replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * `text` without the characters that draw nothing (a cheap test first: most text has none).
 * Only what gives an emoji its shape or spells a word in the script it belongs to is kept.
 */
export function withoutInvisibles(text: string): string {
  if (!INVISIBLE.test(text)) return text;
  let out = '';
  for (const grapheme of graphemes(text)) {
    out += EMOJI.test(grapheme) ? grapheme.replace(NOT_EMOJI_PART, '') : grapheme.replace(INVISIBLE_ALL, (c) => (c === '\u200C' ? c : ''));
  }
  return out.replace(ANY_ZWNJ, (zwnj, at: number) =>
    LETTER_BEFORE.test(out.slice(Math.max(0, at - 16), at)) && LETTER_AFTER.test(out.slice(at + 1, at + 3)) ? zwnj : '',
  );
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
  return fitUnits(graphemes(text).map(escape), max, ellipsis);
}

/** As many whole units (escaped graphemes) as fit in `max` with the ellipsis; never splits a unit. */
export function fitUnits(units: readonly string[], max: number, ellipsis = '…'): string {
  const whole = units.join('');
  if (whole.length <= max) return whole;
  let out = '';
  for (const unit of units) {
    if (out.length + unit.length + ellipsis.length > max) break;
    out += unit;
  }
  return `${out.trimEnd()}${ellipsis}`;
}
