import type { Connection } from '../../connections/connection';
import pino from 'pino';
import { createSlackWebClient, slackErrorCode } from './slack-web-client';

/** `connections test` for a Slack connection: auth.test with its bot token; the workspace id, never the token. */
export async function probeSlackConnection(connection: Connection, env: Readonly<Record<string, string | undefined>>): Promise<{ ok: boolean; detail: string }> {
  const token = connection.credentials.botToken;
  if (!token) return { ok: false, detail: 'the connection holds no bot token' };
  const client = createSlackWebClient({ token, ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}), logger: pino({ enabled: false }), retries: 0, timeoutMs: 30_000 });
  try {
    const answer = await client.auth.test();
    return { ok: true, detail: `slack auth.test: workspace ${String(answer.team_id ?? 'unknown')}` };
  } catch (error) {
    return { ok: false, detail: `slack auth.test: ${slackErrorCode(error) ?? (error instanceof Error ? error.name : 'error')}` };
  }
}
