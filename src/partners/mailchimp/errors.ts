import { RetryableDeliveryError, type DeliveryError } from '../../channels/errors';
import { ConnectionRefusedError } from '../partner';
import { classifyPartnerStatus, type PartnerResponse } from '../partner-http';

/** Mailchimp's errors are RFC 7807 problem documents: type, title, status, detail, instance (and `errors` for fields). */
interface Problem {
  readonly title?: unknown;
  readonly detail?: unknown;
  readonly errors?: unknown;
}

/** Mailchimp refused this person, not the connection: the other people of the send go on. */
export class MemberRefusal {
  constructor(
    readonly reason: 'member_exists' | 'invalid_address' | 'forgotten' | 'compliance',
    readonly title: string,
  ) {}
}

function problemOf(response: PartnerResponse): Problem {
  try {
    const parsed = JSON.parse(response.text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Problem) : {};
  } catch {
    return {};
  }
}

/**
 * Null for a 2xx. By title, never by detail text, except the one place Mailchimp gives no other
 * sign: "Invalid Resource" about an address (fake, or a compliance block) carries no field
 * `errors`, while invalid merge fields (our data or the audience's settings) do.
 */
export function classifyMailchimp(response: PartnerResponse): DeliveryError | MemberRefusal | null {
  if (response.status < 300 && response.status >= 200) return null;
  const problem = problemOf(response);
  const title = typeof problem.title === 'string' ? problem.title : '';
  if (response.status === 400) {
    if (title === 'Member Exists') return new MemberRefusal('member_exists', title);
    if (title === 'Forgotten Email Not Subscribed') return new MemberRefusal('forgotten', title);
    if (title === 'Member In Compliance State') return new MemberRefusal('compliance', title);
    if (title === 'Invalid Resource' && !Array.isArray(problem.errors)) {
      // Per-address anti-abuse ("signed up to a lot of lists very recently"): later, not never [3p].
      if (typeof problem.detail === 'string' && /lot of lists very recently/i.test(problem.detail)) {
        return new RetryableDeliveryError('mailchimp held this address back for signing up to many lists recently', 400, 3_600_000);
      }
      return new MemberRefusal('invalid_address', title);
    }
  }
  // Too many simultaneous connections sometimes comes as a bare 403 with no problem document [3p].
  if (response.status === 403 && !title) return new RetryableDeliveryError('mailchimp answered a bare 403 (too many simultaneous connections)', 403);
  if (response.status === 401) return new ConnectionRefusedError(`mailchimp refused the connection's API key (401${title ? ` ${title}` : ''}): reconnect it`, 401, 'unauthorized');
  const failure = classifyPartnerStatus('mailchimp', response);
  if (failure && title) failure.message = `${failure.message} (${title})`;
  return failure;
}
