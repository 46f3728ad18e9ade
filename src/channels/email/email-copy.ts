import type { NotificationContent } from '../messages';
import type { NotificationKind } from '../../vocabulary';
import { urgencyMarker, subjectName } from '../render/labels';
import { clip, oneLine } from '../render/text';
import { digestSubject } from './email-digest';

interface Copy {
  readonly subject: (who: string, content: NotificationContent) => string;
  readonly intro: string;
}

const COPY: Readonly<Record<NotificationKind, Copy>> = {
  'wedding.date_changed': {
    subject: (who) => `Wedding date changed: ${who}`,
    intro: 'The date of a wedding you work on has changed. Please check your calendar and bookings.',
  },
  'wedding.updated': {
    subject: (who) => `Wedding details updated: ${who}`,
    intro: 'Some details of a wedding you work on were updated.',
  },
  'wedding.emergency': {
    subject: (who) => `Emergency for ${who}`,
    intro: 'An emergency was raised for a wedding you work on. Please look at it now.',
  },
  'form.response_received': {
    subject: (who) => `New form response: ${who}`,
    intro: 'A form you sent has a new response.',
  },
  'journey.milestone_reached': {
    subject: (who) => `Milestone reached: ${who}`,
    intro: 'A client journey reached a milestone.',
  },
  'payment.received': {
    subject: (who) => `Payment received: ${who}`,
    intro: 'A payment came in.',
  },
  'payment.failed': {
    subject: (who) => `Payment failed: ${who}`,
    intro: 'A payment did not go through and may need your attention.',
  },
  'timeline.updated': {
    subject: (who) => `Timeline updated: ${who}`,
    intro: 'The timeline of a wedding you work on changed.',
  },
  'client.profile_updated': {
    subject: (who) => `Client details updated: ${who}`,
    intro: 'A client updated their details.',
  },
  'change.generic': {
    subject: (_who, content) => oneLine(content.title),
    intro: 'Something changed in your workspace.',
  },
};

const MAX_SUBJECT = 200;

/** One line, marked when urgent, short enough for any inbox (hostile names can be thousands of characters). */
export function emailSubject(content: NotificationContent): string {
  if (content.digest) return digestSubject(content, content.digest);
  const marker = urgencyMarker(content.priority.level);
  const subject = COPY[content.kind].subject(subjectName(content), content);
  return clip(marker ? `[${marker}] ${subject}` : subject, MAX_SUBJECT);
}

export function emailIntro(content: NotificationContent): string {
  return COPY[content.kind].intro;
}
