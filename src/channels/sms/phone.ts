import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { PermanentDeliveryError } from '../errors';

/**
 * The number in E.164, or a permanent failure before any request: a bad number never becomes
 * good by retrying, and Twilio would bill the attempt. The `max` metadata checks real number
 * ranges, not only lengths. The number itself stays out of the message (personal data).
 */
export function toE164(raw: string): string {
  const parsed = parsePhoneNumberFromString(raw.trim());
  if (!parsed || !parsed.isValid()) throw new PermanentDeliveryError('invalid phone number: not a valid E.164 number');
  return parsed.number;
}
