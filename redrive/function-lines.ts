/**
 * One log entry's message → the function's log line (functions/heap-content-sync
 * `LogRecord`), checked field by field: what redrive and status rely on must
 * have the type they expect, and a `heap_event` must be exactly an event
 * (five fields, nothing else: never an app id) whose key is the line's key.
 */
import type {LogRecord, Outcome} from '../functions/heap-content-sync/index.ts';
import {type HeapEvent, isRecord} from '../shared/content-event.ts';
import {FUNCTION_NAME} from '../shared/function-settings.ts';

/** What redrive and status read from one invocation's line. */
export interface Invocation {
  outcome: Outcome;
  event: string | null;
  contentId: string | null;
  attempts: number;
  elapsedMs: number | null;
  status: number | null;
  reason: string | null;
  idempotencyKey?: string;
  heapEvent?: HeapEvent;
  /** Why a failed line has no event (the function's `heap_event_omitted`, or that it was built before this field existed). */
  eventMissing?: string;
}

export type ParsedMessage = {kind: 'invocation'; invocation: Invocation} | {kind: 'other'} | {kind: 'bad'; why: string};

const OUTCOMES: readonly string[] = ['delivered', 'skipped', 'failed', 'dry_run'] satisfies Outcome[];
const MARKER = `"fn":"${FUNCTION_NAME}"`;
const EVENT_KEYS = ['event', 'idempotency_key', 'identity', 'properties', 'timestamp'];

const stringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** A Heap event as the function builds it, or the reason it is not one. */
function checkEvent(v: unknown, key: string | undefined): HeapEvent | string {
  if (!isRecord(v)) return 'heap_event is not an object';
  const keys = Object.keys(v).sort();
  if (keys.join() !== EVENT_KEYS.join())
    return `heap_event has the fields ${keys.join(', ')}, expected ${EVENT_KEYS.join(', ')}`;
  if (typeof v.event !== 'string' || typeof v.identity !== 'string' || typeof v.timestamp !== 'string')
    return 'heap_event: event, identity and timestamp must be strings';
  if (typeof v.idempotency_key !== 'string' || v.idempotency_key !== key)
    return "heap_event's idempotency_key differs from the line's";
  if (!isRecord(v.properties)) return 'heap_event.properties is not an object';
  for (const [name, value] of Object.entries(v.properties)) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value)))
      return `heap_event.properties.${name} is not a string or a number`;
  }
  return v as unknown as HeapEvent;
}

/** The function's line in `message` (whole, or after a prefix), another line, or a broken one. */
export function parseMessage(message: string): ParsedMessage {
  const at = message.indexOf(`{${MARKER}`);
  if (at < 0) return {kind: 'other'};
  let v: unknown;
  try {
    v = JSON.parse(message.slice(at));
  } catch {
    return {kind: 'bad', why: `a ${FUNCTION_NAME} line that is not valid JSON`};
  }
  if (!isRecord(v)) return {kind: 'bad', why: `a ${FUNCTION_NAME} line that is not an object`};
  const r = v as Partial<Record<keyof LogRecord, unknown>>;
  if (typeof r.outcome !== 'string' || !OUTCOMES.includes(r.outcome))
    return {kind: 'bad', why: `a ${FUNCTION_NAME} line without a known outcome`};
  if (!stringOrNull(r.event) || !stringOrNull(r.content_id) || !stringOrNull(r.reason))
    return {kind: 'bad', why: `a ${FUNCTION_NAME} line whose event, content_id or reason is not a string`};
  if (r.idempotency_key !== undefined && typeof r.idempotency_key !== 'string')
    return {kind: 'bad', why: `a ${FUNCTION_NAME} line whose idempotency_key is not a string`};
  const invocation: Invocation = {
    outcome: r.outcome as Outcome,
    event: r.event,
    contentId: r.content_id,
    attempts: Number.isInteger(r.attempts) && (r.attempts as number) >= 0 ? (r.attempts as number) : 0,
    elapsedMs: typeof r.elapsed_ms === 'number' && r.elapsed_ms >= 0 ? r.elapsed_ms : null,
    status: Number.isInteger(r.status) ? (r.status as number) : null,
    reason: r.reason,
  };
  if (r.idempotency_key !== undefined) invocation.idempotencyKey = r.idempotency_key;
  if (invocation.outcome === 'failed') {
    if (r.heap_event !== undefined) {
      const checked = checkEvent(r.heap_event, invocation.idempotencyKey);
      if (typeof checked === 'string') return {kind: 'bad', why: checked};
      invocation.heapEvent = checked;
    } else {
      invocation.eventMissing =
        typeof r.heap_event_omitted === 'string'
          ? r.heap_event_omitted
          : invocation.idempotencyKey === undefined
            ? 'the invocation failed before it built an event'
            : 'the line has no heap_event (logged by a version of the function before it carried the event)';
    }
  }
  return {kind: 'invocation', invocation};
}
