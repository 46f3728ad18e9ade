/**
 * What deciding needs to know about an organization's Slack app (its enabled `slack`
 * connection's options, read with the context; never its token): where the bot can post
 * without an incoming webhook.
 */
export interface SlackAppReach {
  /** The connection's `defaultChannel` (C…/G…), or null. */
  readonly defaultChannel: string | null;
  /** The connection asks for a channel per wedding. */
  readonly weddingChannels: boolean;
}

/**
 * Whether the app alone has somewhere to post a message: a wedding's own channel (a message
 * about a wedding, not a digest, when the connection asks for them), else its default channel.
 * The planner asks it to plan a Slack delivery for an organization with no webhook, and the
 * address book asks it again at send time, when the connection may have changed.
 */
export function slackAppCanPost(app: SlackAppReach | null | undefined, message: { readonly aboutWedding: boolean; readonly digest: boolean }): boolean {
  if (!app) return false;
  return app.defaultChannel !== null || (app.weddingChannels && message.aboutWedding && !message.digest);
}
