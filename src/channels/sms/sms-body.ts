import type { NotificationContent } from '../messages';
import { formatWeddingDate, urgencyMarker } from '../render/labels';
import { safeLink } from '../render/safe-link';
import { graphemes, oneLine } from '../render/text';
import { countSmsSegments, type SegmentCount } from './sms-segments';

export interface SmsBody extends SegmentCount {
  readonly text: string;
  readonly truncated: boolean;
}

// "..." rather than "…": the one-character ellipsis is not GSM-7 and would double the cost.
const ELLIPSIS = '...';

/** Short and plain: marker, title, couple and date, summary, then the link, capped at `maxSegments`. */
export function renderSmsBody(content: NotificationContent, maxSegments: number): SmsBody {
  const marker = urgencyMarker(content.priority.level);
  const lines = [`${marker ? `${marker}: ` : ''}${oneLine(content.title)}`];
  if (content.wedding) lines.push(`${oneLine(content.wedding.coupleName)} - ${formatWeddingDate(content.wedding.date, 'short')}`);
  lines.push(oneLine(content.summary));
  const link = safeLink(content.link);
  return fitSegments(lines.join('\n'), link ? `\n${link}` : '', maxSegments);
}

/**
 * Cuts the text (never the link, which would break) until text + tail fits. If even the bare
 * link does not fit, the link goes. Segment counts only grow with length, so a binary search works.
 */
export function fitSegments(text: string, tail: string, maxSegments: number): SmsBody {
  const whole = countSmsSegments(text + tail);
  if (whole.segments <= maxSegments) return { text: text + tail, truncated: false, ...whole };
  const units = graphemes(text);
  const build = (n: number) => `${units.slice(0, n).join('').trimEnd()}${ELLIPSIS}${tail}`;
  if (countSmsSegments(build(0)).segments > maxSegments) {
    if (tail) return fitSegments(text, '', maxSegments);
    return { text: '', truncated: true, ...countSmsSegments('') };
  }
  let low = 0;
  let high = units.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (countSmsSegments(build(mid)).segments <= maxSegments) low = mid;
    else high = mid - 1;
  }
  const fitted = build(low);
  return { text: fitted, truncated: true, ...countSmsSegments(fitted) };
}
