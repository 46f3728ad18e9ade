/**
 * Wire codec for the fake Realtime server: Phoenix message <-> WebSocket frame.
 *
 * Protocol reference: /work/shared/reference/realtime-protocol.md §1.2–1.3.
 */

/** The serializer version negotiated through the `vsn` query parameter. */
export type Vsn = '1.0.0' | '2.0.0';

/** One Phoenix message, independent of the serializer that carries it. */
export interface PhxMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

export const TOPIC_PREFIX = 'realtime:';

/** `realtime:jobs` → `jobs` (the "sub-topic" that `system` messages carry as `channel`). */
export function subTopic(topic: string): string {
  return topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : topic;
}

/** Accepts either `jobs` or `realtime:jobs` and returns the full topic the client uses. */
export function fullTopic(topicOrSubtopic: string): string {
  return topicOrSubtopic.startsWith(TOPIC_PREFIX) ? topicOrSubtopic : TOPIC_PREFIX + topicOrSubtopic;
}

/** The server only understands these two; anything else falls back to Phoenix's default, 1.0.0. */
export function parseVsn(raw: string | null): Vsn {
  return raw === '2.0.0' ? '2.0.0' : '1.0.0';
}

function refOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

/**
 * Decodes a client text frame. Returns `null` for anything that is not a well-formed Phoenix
 * message, which the server then only logs (a real Phoenix server would close the socket, but a
 * test server that crashes on garbage would hide the interesting behaviour).
 */
export function decodeTextFrame(text: string, vsn: Vsn): PhxMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(parsed) || parsed.length !== 5) return null;
    const [joinRef, ref, topic, event, payload] = parsed as unknown[];
    if (typeof topic !== 'string' || typeof event !== 'string') return null;
    return { joinRef: refOrNull(joinRef), ref: refOrNull(ref), topic, event, payload };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const o = parsed as Record<string, unknown>;
  if (typeof o.topic !== 'string' || typeof o.event !== 'string') return null;
  return { joinRef: refOrNull(o.join_ref), ref: refOrNull(o.ref), topic: o.topic, event: o.event, payload: o.payload };
}

/**
 * Encodes a server → client message. In 1.0.0 the Phoenix V1 serializer drops `join_ref`
 * entirely, so the client cannot detect outdated messages on that protocol version.
 */
export function encodeTextFrame(msg: PhxMessage, vsn: Vsn): string {
  if (vsn === '2.0.0') return JSON.stringify([msg.joinRef, msg.ref, msg.topic, msg.event, msg.payload]);
  return JSON.stringify({ topic: msg.topic, event: msg.event, payload: msg.payload, ref: msg.ref });
}

const KIND_USER_BROADCAST = 4;
const ENCODING_JSON = 1;

/**
 * Builds a vsn 2.0.0 kind-4 (USER_BROADCAST) binary frame. realtime-js 2.119.0 decodes ONLY
 * kind 4; any other kind makes its decoder return undefined and the socket's onmessage throw,
 * which is why this is the only binary frame the fake can produce.
 *
 * The topic is the FULL topic (`realtime:x`): phoenix's `isMember` compares it verbatim.
 */
export function encodeUserBroadcast(topic: string, event: string, meta: object, payload: unknown): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  const eventBytes = Buffer.from(event, 'utf8');
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  const payloadBytes = Buffer.from(JSON.stringify(payload), 'utf8');
  for (const [name, bytes] of [['topic', topicBytes], ['event', eventBytes], ['meta', metaBytes]] as const) {
    if (bytes.length > 255) throw new Error(`broadcast ${name} is ${bytes.length} bytes; the header field is one byte`);
  }
  const header = Buffer.from([KIND_USER_BROADCAST, topicBytes.length, eventBytes.length, metaBytes.length, ENCODING_JSON]);
  return Buffer.concat([header, topicBytes, eventBytes, metaBytes, payloadBytes]);
}

/** Short human-readable description of an inbound binary frame, for the frame log. */
export function describeBinary(data: Buffer): string {
  return `<binary kind=${data[0] ?? '?'} ${data.length} bytes>`;
}
