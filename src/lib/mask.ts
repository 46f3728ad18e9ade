/** j***@example.com: enough for on-call to tell recipients apart, not enough to harvest. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** +1415****23: country and area code, and the last two digits. */
export function maskPhone(number: string): string {
  const digits = number.replace(/[^\d+]/g, '');
  if (digits.length < 7) return '***';
  return `${digits.slice(0, 5)}${'*'.repeat(digits.length - 7)}${digits.slice(-2)}`;
}
