import { PermanentDeliveryError } from '../errors';
import { clip, oneLine } from '../render/text';

// One plain address: anything that could smuggle a second recipient (",", ";", "<") is refused.
const ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\]+$/;

/**
 * `"Name" <address>`. The address is checked before any request; the display name is customer
 * text, so quotes, brackets, separators and `@` are dropped rather than trusted inside a header.
 */
export function formatRecipient(address: string, name: string): string {
  const to = address.trim();
  if (to.length > 254 || !ADDRESS.test(to)) throw new PermanentDeliveryError('invalid email address');
  const display = clip(oneLine(name.replace(/["\\<>,;@]/g, ' ')), 64, { ellipsis: '' });
  return display ? `"${display}" <${to}>` : to;
}
