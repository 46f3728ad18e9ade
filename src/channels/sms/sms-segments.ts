import { SegmentedMessage } from 'sms-segments-calculator';

export interface SegmentCount {
  readonly segments: number;
  /** GSM-7 fits 160 characters a segment (153 when split); one character outside it makes the whole message UCS-2 (70 / 67). */
  readonly encoding: 'GSM-7' | 'UCS-2';
}

/** How carriers will bill `body`, as Twilio counts it (without its optional Smart Encoding). */
export function countSmsSegments(body: string): SegmentCount {
  const message = new SegmentedMessage(body);
  return { segments: message.segmentsCount, encoding: message.encodingName };
}
