import type { NotificationContent } from '../messages';
import { formatWeddingDate, urgencyMarker } from '../render/labels';
import { safeLink } from '../render/safe-link';
import { oneLine } from '../render/text';
import { countGraphemeSegments, smsGraphemes, type SegmentCount } from './sms-segments';

export interface SmsBody extends SegmentCount {
  readonly text: string;
  readonly truncated: boolean;
}

// "..." rather than "…": the one-character ellipsis is not GSM-7 and would double the cost.
const ELLIPSIS_UNITS = ['.', '.', '.'];
const GSM_SINGLE_SEGMENT = 160;

/**
 * Short and plain: marker, title, couple and date, summary, then the link, capped at
 * `maxSegments`. `replyHint` (e.g. "Reply OK to acknowledge.") is kept whole, like the link.
 */
export function renderSmsBody(content: NotificationContent, maxSegments: number, replyHint?: string): SmsBody {
  const marker = urgencyMarker(content.priority.level);
  const lines = [`${marker ? `${marker}: ` : ''}${oneLine(content.title)}`];
  if (content.wedding) lines.push(`${oneLine(content.wedding.coupleName)} - ${formatWeddingDate(content.wedding.date, 'short')}`);
  lines.push(oneLine(content.summary));
  const link = safeLink(content.link);
  return fitSegments(lines.join('\n'), `${replyHint ? `\n${replyHint}` : ''}${link ? `\n${link}` : ''}`, maxSegments);
}

/**
 * Cuts the text (never the link, which would break) until text + tail fits. If even the bare
 * link does not fit, the link goes. Segment counts only grow with length, so a binary search
 * works; it counts at most `maxSegments` × 160 characters, however long the text.
 */
export function fitSegments(text: string, tail: string, maxSegments: number): SmsBody {
  const tailUnits = smsGraphemes(tail);
  // Every character costs at least a septet or a UCS-2 unit: a longer text can never fit whole.
  const bound = maxSegments * GSM_SINGLE_SEGMENT;
  const cut = text.length > bound;
  // A cut may split the last grapheme; it goes too.
  const units = cut ? smsGraphemes(text.slice(0, bound + 1)).slice(0, -1) : smsGraphemes(text);
  if (!cut) {
    const whole = countGraphemeSegments([...units, ...tailUnits]);
    if (whole.segments <= maxSegments) return { text: text + tail, truncated: false, ...whole };
  }
  const build = (n: number) => [...withoutTrailingSpace(units, n), ...ELLIPSIS_UNITS, ...tailUnits];
  if (countGraphemeSegments(build(0)).segments > maxSegments) {
    if (tail) return fitSegments(text, '', maxSegments);
    return { text: '', truncated: true, ...countGraphemeSegments([]) };
  }
  let low = 0;
  let high = units.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (countGraphemeSegments(build(mid)).segments <= maxSegments) low = mid;
    else high = mid - 1;
  }
  const fitted = build(low);
  return { text: fitted.join(''), truncated: true, ...countGraphemeSegments(fitted) };
}

function withoutTrailingSpace(units: readonly string[], n: number): readonly string[] {
  let end = n;
  while (end > 0 && units[end - 1]!.trim() === '') end -= 1;
  return units.slice(0, end);
}
