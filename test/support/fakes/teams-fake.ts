import { randomBytes } from 'node:crypto';
import { FakeServer, isRecord, parseJson, type FakeRequest, type Verdict } from './fake-server';

export interface TeamsCardPost {
  readonly workflow: string;
  /** The Adaptive Card (`attachments[0].content`). */
  readonly card: Record<string, unknown>;
}

const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const ELEMENTS = new Set(['TextBlock', 'FactSet', 'Container', 'ColumnSet', 'Image', 'RichTextBlock', 'ActionSet']);

/**
 * A Teams Workflows ("When a Teams webhook request is received") trigger on loopback
 * (providers.md §4): `hookUrl()` registers a workflow whose URL carries a `sig` (the secret).
 * Checks the message envelope with one Adaptive Card ≤ 1.4, known body elements, FactSet facts
 * and Action.OpenUrl urls, ≤ 28 KB. Answers 202 with an empty body, like the real endpoint;
 * errors as `{"error":{"code","message"}}` (401 bad sig, 404 WorkflowNotFound).
 */
export class TeamsFake extends FakeServer<TeamsCardPost> {
  private readonly workflows = new Map<string, { sig: string; deleted: boolean }>();

  hookUrl(): string {
    const id = randomBytes(16).toString('hex');
    const sig = randomBytes(24).toString('base64url');
    this.workflows.set(id, { sig, deleted: false });
    return `${this.url}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
  }

  /** The flow was deleted: 404 WorkflowNotFound from now on. */
  deleteWorkflow(hookUrl: string): void {
    const id = /\/workflows\/([^/]+)\//.exec(new URL(hookUrl).pathname)?.[1];
    const workflow = id ? this.workflows.get(id) : undefined;
    if (workflow) workflow.deleted = true;
  }

  rateLimited(retryAfterSeconds = 1): this {
    return this.replyNext({ status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: { error: { code: 'TooManyRequests', message: 'Rate limit is exceeded.' } } });
  }

  protected check(request: FakeRequest): Verdict<TeamsCardPost> {
    const url = new URL(request.path, 'http://fake');
    const id = /^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname)?.[1];
    const workflow = id ? this.workflows.get(id) : undefined;
    if (!id || !workflow || workflow.deleted) return refuse(404, 'WorkflowNotFound', ['no workflow at this path']);
    if (url.searchParams.get('sig') !== workflow.sig) return refuse(401, 'DirectApiAuthorizationRequired', ['sig is missing or wrong']);
    if (request.method !== 'POST') return refuse(405, 'MethodNotAllowed', [`${request.method} is not POST`]);
    if (!String(request.headers['content-type']).startsWith('application/json')) return refuse(400, 'InvalidRequestContent', ['content-type is not application/json']);
    if (Buffer.byteLength(request.body) > 28 * 1024) return refuse(413, 'MessageTooLarge', ['body over 28 KB']);
    const parsed = parseJson(request.body);
    if ('problem' in parsed || !isRecord(parsed.value)) return refuse(400, 'InvalidRequestContent', ['body is not a JSON object']);
    const problems = envelopeProblems(parsed.value);
    if (problems.length > 0) return refuse(400, 'InvalidRequestContent', problems);
    const card = ((parsed.value.attachments as unknown[])[0] as { content: Record<string, unknown> }).content;
    return { ok: true, accepted: { workflow: id, card }, reply: { status: 202 } };
  }
}

function envelopeProblems(message: Record<string, unknown>): string[] {
  if (message.type !== 'message') return ['type is not "message"'];
  const attachment = Array.isArray(message.attachments) ? (message.attachments[0] as unknown) : undefined;
  if (!isRecord(attachment)) return ['attachments[0] is missing'];
  if (attachment.contentType !== ADAPTIVE) return [`contentType is not ${ADAPTIVE}`];
  if (attachment.contentUrl !== null) return ['contentUrl is not null'];
  const card = attachment.content;
  if (!isRecord(card) || card.type !== 'AdaptiveCard') return ["content.type must be 'AdaptiveCard'"];
  const problems: string[] = [];
  if (typeof card.version !== 'string' || !/^1\.[0-4]$/.test(card.version)) problems.push('card version must be 1.0-1.4');
  if (!Array.isArray(card.body) || card.body.length === 0) return [...problems, 'card body is empty'];
  card.body.forEach((element: unknown, i) => {
    if (!isRecord(element) || !ELEMENTS.has(String(element.type))) return void problems.push(`body[${i}] has an unknown type`);
    if (element.type === 'TextBlock' && (typeof element.text !== 'string' || element.text === '')) problems.push(`body[${i}] TextBlock without text`);
    if (element.type === 'FactSet') {
      const facts = element.facts;
      if (!Array.isArray(facts) || !facts.every((f) => isRecord(f) && typeof f.title === 'string' && typeof f.value === 'string')) {
        problems.push(`body[${i}] FactSet facts must be {title, value} strings`);
      }
    }
  });
  const actions = card.actions ?? [];
  if (!Array.isArray(actions)) problems.push('actions is not an array');
  else actions.forEach((action: unknown, i) => {
    if (!isRecord(action) || action.type !== 'Action.OpenUrl' || typeof action.url !== 'string' || !/^https?:\/\//.test(action.url)) {
      problems.push(`actions[${i}] must be Action.OpenUrl with an http(s) url`);
    }
  });
  return problems;
}

function refuse(status: number, code: string, problems: string[]): Verdict<never> {
  return { ok: false, problems, reply: { status, body: { error: { code, message: problems.join('; ') } } } };
}
