import { PermanentDeliveryError } from '../errors';
import { clip, oneLine } from '../render/text';

// One plain address: anything that could smuggle a second recipient (",", ";", "<") is refused.
const ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\]+$/;
// `\s` misses most of these: NUL, ESC, DEL, U+0085, zero-width and bidi marks, lone surrogates.
// None belongs in an address, and each could split a header or show a different address than the real one.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/**
 * `"Name" <address>`. The address is checked before any request; the display name is customer
 * text, so quotes, brackets, separators and `@` are dropped rather than trusted inside a header,
 * and so is anything invisible (oneLine).
 */
export function formatRecipient(address: string, name: string): string {
  const to = address.trim();
  if (to.length > 254 || UNPRINTABLE.test(to) || !ADDRESS.test(to)) throw new PermanentDeliveryError('invalid email address');
  const display = clip(oneLine(name.replace(/["\\<>,;@]/g, ' ')), 64, { ellipsis: '' });
  return display ? `"${display}" <${to}>` : to;
}
