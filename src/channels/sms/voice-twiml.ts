import escapeHtml from 'escape-html';
import type { NotificationContent } from '../messages';
import { formatWeddingDate, urgencyMarker } from '../render/labels';
import { oneLine } from '../render/text';

/** Spoken text is read slowly: a long summary would lose the listener (and Twiml is capped at 4,000 chars). */
const MAX_SPOKEN_SUMMARY = 300;

/**
 * What an escalation call says: the same facts the SMS carries (marker, title, couple and date,
 * summary), no link (a URL read aloud helps nobody) and no other personal data. Every piece of
 * customer text is on one line and XML-escaped, so a summary cannot close `<Say>` or add verbs.
 */
export function renderVoiceTwiml(content: NotificationContent): { twiml: string; spoken: string } {
  const marker = urgencyMarker(content.priority.level);
  const parts = [`WedSync ${marker ? `${marker.toLowerCase()} ` : ''}alert.`, `${oneLine(content.title)}.`];
  if (content.wedding) parts.push(`${oneLine(content.wedding.coupleName)}, ${formatWeddingDate(content.wedding.date, 'long')}.`);
  const summary = oneLine(content.summary);
  if (summary) parts.push(summary.length > MAX_SPOKEN_SUMMARY ? `${summary.slice(0, MAX_SPOKEN_SUMMARY)}...` : summary);
  parts.push('Nobody has acknowledged this yet. Please check WedSync now.');
  const spoken = parts.join(' ');
  // Said twice: the first words are often lost while the phone is brought to an ear.
  const say = `<Say>${escapeHtml(spoken)}</Say>`;
  return { spoken, twiml: `<?xml version="1.0" encoding="UTF-8"?><Response>${say}<Pause length="1"/>${say}</Response>` };
}
