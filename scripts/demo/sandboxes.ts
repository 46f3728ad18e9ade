import { ResendFake } from '../../test/support/fakes/resend-fake';
import { SlackFake } from '../../test/support/fakes/slack-fake';
import { TeamsFake } from '../../test/support/fakes/teams-fake';
import { TwilioFake } from '../../test/support/fakes/twilio-fake';
import { VscoFake } from '../../test/support/fakes/vsco-fake';
import { WebhookReceiver } from '../../test/support/webhook-receiver';

/** Stand-ins for every provider, on loopback, checking each request as the real API would. */
export interface Sandboxes {
  readonly partner: WebhookReceiver;
  readonly resend: ResendFake;
  readonly twilio: TwilioFake;
  readonly slack: SlackFake;
  readonly teams: TeamsFake;
  /** The photographer's CRM (VSCO Workspace API v2). */
  readonly vsco: VscoFake;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

export async function startSandboxes(): Promise<Sandboxes> {
  const [partner, resend, twilio, slack, teams, vsco] = await Promise.all([
    new WebhookReceiver().start(),
    new ResendFake().start(),
    new TwilioFake().start(),
    new SlackFake().start(),
    new TeamsFake().start(),
    new VscoFake().start(),
  ]);
  return {
    partner,
    resend,
    twilio,
    slack,
    teams,
    vsco,
    counts: () => ({
      webhook: partner.requests.length,
      email: resend.accepted.length,
      sms: twilio.accepted.length,
      slack: slack.accepted.length,
      teams: teams.accepted.length,
      crm: vsco.accepted.length,
      refused: resend.rejected.length + twilio.rejected.length + slack.rejected.length + teams.rejected.length + vsco.rejected.length,
    }),
    async close() {
      await Promise.all([partner.close(), resend.close(), twilio.close(), slack.close(), teams.close(), vsco.close()]);
    },
  };
}
