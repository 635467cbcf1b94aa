/**
 * From a projected document to one Heap event: name, identity, timestamp,
 * properties and a deterministic idempotency key. Shared by the function and
 * the backfill; bad input is rejected with a reason, never thrown.
 */
import {LIST_SEPARATOR, MAX_EVENT_NAME, MAX_IDENTITY} from './heap-rules.ts';
import {cut, type HeapProperties, isUnpublishedId, normaliseProperties, publishedId} from './normalize.ts';
import {isoTimestamp} from './timestamp.ts';
import {EVENTS, type Operation, PROPERTIES} from './tracking-plan.ts';

/** One event in Heap's (bulk) Track body. */
export interface HeapEvent {
  identity: string;
  event: string;
  timestamp: string;
  properties: HeapProperties;
  idempotency_key: string;
}

export interface ContentEventInput {
  operation: Operation;
  /** The projected document (plan property names plus `_id`, `_type`, `_rev`, `_updatedAt`, `_createdAt`). */
  doc: unknown;
  /** On an update: the same projection before the change. */
  previous?: unknown;
  /** `<projectId>.<dataset>` (the function's `context.eventResourceId`). */
  resourceId: string;
  identity: string;
  /** When the event is handled: the timestamp of a delete. */
  now: Date;
  /** Overrides the timestamp (the backfill uses when the document was first published). */
  timestamp?: string;
  /** Extra server-only properties, e.g. `{source: 'backfill'}`. */
  extra?: HeapProperties;
}

export type ContentEventResult = {ok: true; event: HeapEvent; warnings: string[]} | {ok: false; reason: string};

/** Sanity document ids (and revisions): letters, digits, `.`, `_`, `-`, at most 128 characters, not starting with `-`. */
const SANITY_ID = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,127}$/;
const SANITY_ID_RULE = 'letters, digits, ".", "_" and "-", at most 128 characters';

/** A plain JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deterministic: the same change always gets the same key, so Heap stores it once. */
export function idempotencyKey(resourceId: string, id: string, revision: string, operation: Operation): string {
  return `sanity:${resourceId}:${publishedId(id)}:${revision}:${operation}`;
}

/** The tracked properties whose normalised values differ between two projections. */
export function changedProperties(before: HeapProperties, after: HeapProperties): string[] {
  return PROPERTIES.filter((p) => !p.serverOnly && before[p.name] !== after[p.name]).map((p) => p.name);
}

/**
 * A change's timestamp, canonical (`toISOString()` of the parsed instant): `_updatedAt`, or
 * the time of handling for a delete; a missing or malformed `_updatedAt` is replaced by the
 * time of handling, with a warning saying so.
 */
function eventTimestamp(operation: Operation, updatedAt: unknown, now: Date, warnings: string[]): string {
  if (operation === 'delete') return now.toISOString();
  const iso = isoTimestamp(updatedAt);
  if (iso !== undefined) return iso;
  const shown =
    updatedAt === undefined || updatedAt === null
      ? 'missing'
      : typeof updatedAt !== 'string'
        ? `a ${typeof updatedAt}`
        : updatedAt.length > 40
          ? `${updatedAt.length} characters`
          : JSON.stringify(updatedAt);
  warnings.push(`timestamp: _updatedAt is not an ISO 8601 date-time with a zone (${shown}); used the time of handling`);
  return now.toISOString();
}

export function buildContentEvent(input: ContentEventInput): ContentEventResult {
  const {operation, doc, resourceId, now} = input;
  if (!isRecord(doc))
    return {
      ok: false,
      reason: `document is ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}, expected an object`,
    };
  const id = doc._id;
  if (typeof id !== 'string' || id.trim() === '') return {ok: false, reason: '_id missing or not a string'};
  if (isUnpublishedId(id))
    return {ok: false, reason: `${cut(id, 120)} is a draft or release version, not a published document`};
  if (!SANITY_ID.test(id)) return {ok: false, reason: `_id is not a Sanity document id (${SANITY_ID_RULE})`};
  if (typeof doc._type !== 'string' || doc._type === '') return {ok: false, reason: '_type missing or not a string'};
  if (typeof doc._rev !== 'string' || !SANITY_ID.test(doc._rev))
    return {ok: false, reason: `_rev missing or malformed (${SANITY_ID_RULE}; needed for the idempotency key)`};
  const identity = input.identity;
  if (identity === '' || identity.length > MAX_IDENTITY)
    return {ok: false, reason: `identity must be 1 to ${MAX_IDENTITY} characters`};

  const {properties, warnings} = normaliseProperties(doc);
  if (typeof properties.content_id !== 'string') return {ok: false, reason: '_id is not usable as content_id'};
  const dataset = resourceId.split('.').slice(1).join('.');
  if (dataset) properties.dataset = dataset;
  if (operation === 'update') {
    if (isRecord(input.previous)) {
      const changed = changedProperties(normaliseProperties(input.previous).properties, properties);
      if (changed.length > 0) properties.changed_properties = changed.join(LIST_SEPARATOR);
    } else {
      warnings.push('changed_properties: no previous version in the event; omitted');
    }
  }
  Object.assign(properties, input.extra);

  const timestamp = input.timestamp ?? eventTimestamp(operation, doc._updatedAt, now, warnings);
  const event = cut(EVENTS[operation], MAX_EVENT_NAME);
  return {
    ok: true,
    warnings,
    event: {
      identity,
      event,
      timestamp,
      properties,
      idempotency_key: idempotencyKey(resourceId, id, doc._rev, operation),
    },
  };
}
