import { PermanentDeliveryError } from './errors';

/**
 * The destination itself no longer exists (a revoked Slack hook, an archived channel, a deleted
 * Teams workflow): every later message to it would fail the same way, so the dispatcher disables
 * it and alerts instead of failing each message one by one. It reads the `destinationGone` flag.
 */
export class DestinationGoneError extends PermanentDeliveryError {
  readonly destinationGone = true;

  constructor(
    message: string,
    status?: number,
    /** The provider's own word for it, e.g. `no_service` or `channel_is_archived`. */
    readonly providerCode?: string,
  ) {
    super(message, status);
  }
}
