const MAX_LINK_LENGTH = 2_000;

/**
 * Links are built from tenant settings, so they are untrusted: only an absolute http(s) URL
 * without credentials may become a button or an href (never `javascript:` or `data:`).
 */
export function safeLink(link: string | null): string | null {
  if (!link || link.length > MAX_LINK_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  return url.href;
}
