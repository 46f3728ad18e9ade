import type { DeliveryReceipt } from '../../channels/channel';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { PartnerAdapter } from '../partner';
import { expectOk, partnerRequest } from '../partner-http';
import { lightBlueFields, lightBlueOutcome } from './mapping';

export const LIGHT_BLUE_URL = 'https://online.lightbluesoftware.com/api.php';

/**
 * Light Blue's inbound API: a UTF-8 form POST over HTTPS with the studio's key. Plain http is
 * refused here before Light Blue would (-20), except on loopback (sandboxes, the tests' fake).
 */
export function createLightBlueAdapter(http: HttpRequester, userAgent: string, url = LIGHT_BLUE_URL): PartnerAdapter {
  const target = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
  if (target.protocol !== 'https:' && !loopback) throw new Error('Light Blue is reached over HTTPS only');
  return {
    partner: 'light-blue',
    // No published limit [inferred]: one studio's Inbox gets a handful of updates, one at a time.
    rateLimit: { max: 2, perMs: 1_000, maxConcurrent: 1 },
    async push({ connection, snapshot }, context): Promise<DeliveryReceipt> {
      const fields = lightBlueFields(snapshot, connection.options);
      const form = new URLSearchParams({ key: connection.credentials.apiKey ?? '', type: 'contact form', ...fields });
      const response = expectOk(
        'light-blue',
        await partnerRequest(http, {
          url,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'user-agent': userAgent },
          body: form.toString(),
          signal: context.signal,
        }),
      );
      const { outcome, code } = lightBlueOutcome(response.text);
      switch (outcome) {
        case 'accepted':
          return { status: response.status, providerMessageId: fields.Reference! };
        case 'duplicate':
          // Our content-derived Reference: the Inbox already holds exactly this state.
          return { status: response.status, providerMessageId: fields.Reference! };
        case 'not_https':
          throw new PermanentDeliveryError('light-blue refused the request as not HTTPS (-20)', response.status);
        case 'bad_request':
          throw new PermanentDeliveryError('light-blue refused the type or every parameter (-3)', response.status);
        default:
          // A code we do not know: retried a few times, then a dead letter that names it.
          throw new RetryableDeliveryError(`light-blue answered an unknown status code (${code})`, response.status);
      }
    },
    probe: async () => 'light-blue has no read API; a test post would land in the Inbox, so only the stored key was checked',
  };
}
