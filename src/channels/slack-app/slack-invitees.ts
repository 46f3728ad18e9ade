import type { ContextRepository } from '../../context/event-context';

/**
 * The Slack user ids of an organization's staff (`organization_staff.slack_user_id`, migration
 * 0020), read through the context cache the planner uses: invited to each new wedding channel.
 */
export function slackInvitees(contexts: Pick<ContextRepository, 'resolve'>) {
  return async (organizationId: string, weddingId: string): Promise<readonly string[]> => {
    const found = await contexts.resolve({ organizationId, weddingId });
    if (!found.ok) return [];
    return found.context.people.flatMap((p) => (p.kind === 'staff' && p.slackUserId ? [p.slackUserId] : []));
  };
}
