/**
 * A frame realtime-js threw on, read back from the socket far enough to judge the change in it.
 *
 * realtime-js 2.119.0 reads a postgres_changes frame before the worker sees anything
 * (dist/main/RealtimeChannel.js, run by phoenix's `trigger`: the transform, then the filter): it
 * destructures `payload.data` (line 772, a TypeError when it is null), converts `record` by
 * `columns` (line 829, then lib/transformers.js line 75 `columns.find`: a TypeError when they
 * are no list) and, for a typed binding like the outbox's INSERT, calls
 * `data.type.toLocaleLowerCase()` (line 749, a TypeError without a string type). The frame
 * text is still at hand in the socket's message event: rebuilt here into the payload
 * realtime-js would have handed on, without its column conversions, the stream's own checks
 * give the reason they give in every other mode. A JSON broadcast push whose payload is null
 * (`'ids' in payload`, line 770) is read back the same way; binary broadcasts are not.
 */
export interface UndecodedChange {
  /** The channel's topic, `realtime:<channel name>`. */
  readonly topic: string;
  /** What the channel's callback would have been given. */
  readonly payload: unknown;
}

/** Null for anything but a postgres_changes or broadcast push in a text frame (Phoenix vsn 1.0.0 or 2.0.0). */
export function readUndecodedChange(frame: unknown): UndecodedChange | null {
  const text = typeof frame === 'string' ? frame : Buffer.isBuffer(frame) ? frame.toString('utf8') : null;
  if (text === null) return null;
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  const [topic, event, payload] = Array.isArray(message)
    ? [message[2], message[3], message[4]]
    : isObject(message)
      ? [message.topic, message.event, message.payload]
      : [];
  if (typeof topic !== 'string') return null;
  // A broadcast's callback gets the push's payload as it is; realtime-js throws on a null one.
  if (event === 'broadcast') return { topic, payload };
  if (event !== 'postgres_changes' || !isObject(payload) || !('ids' in payload)) return null;
  return { topic, payload: asCallbackPayload(payload.data) };
}

/** realtime-js's enriched payload (`eventType`, `new`, `old`), the records left as they came. */
function asCallbackPayload(data: unknown): unknown {
  if (!isObject(data)) return data;
  const { schema, table, commit_timestamp, type, errors, record, old_record } = data;
  return {
    schema,
    table,
    commit_timestamp,
    eventType: type,
    new: type === 'INSERT' || type === 'UPDATE' ? (record ?? {}) : {},
    old: type === 'UPDATE' || type === 'DELETE' ? (old_record ?? {}) : {},
    errors,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
