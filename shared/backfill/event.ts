/**
 * One backfilled document → one "Content Published" event, built by the same
 * builder as the function (shared/content-event.ts), so the properties, the
 * normalisation and the idempotency key are identical: the key depends only
 * on the dataset, the document id and its revision, so sending the same
 * revision again (a second run, a resumed batch, the function's own create
 * event) is ignored by Heap.
 */
import {buildContentEvent, type ContentEventResult} from '../content-event.ts';

/** Where an event came from: the server-only `source` property. */
export const BACKFILL_SOURCE = 'backfill';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;

/**
 * A timestamp Heap will accept, from an ISO 8601 date or date-time with a
 * zone, in canonical UTC form; undefined for anything else (no zone, an
 * impossible date such as February 30th, a year beyond 9999).
 */
export function isoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  const ms = Date.parse(h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : value.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export interface BackfillEventContext {
  /** `<projectId>.<dataset>` */
  resourceId: string;
  identity: string;
  now: Date;
}

/** The event for one projected document: timestamp = when it was first published (published_at, else _createdAt). */
export function backfillEvent(doc: Record<string, unknown>, ctx: BackfillEventContext): ContentEventResult {
  const publishedAt = isoTimestamp(doc.published_at);
  const timestamp = publishedAt ?? isoTimestamp(doc._createdAt);
  if (timestamp === undefined) {
    return {ok: false, reason: 'no usable timestamp: neither published_at nor _createdAt is an ISO 8601 date-time'};
  }
  const result = buildContentEvent({
    operation: 'create',
    doc,
    resourceId: ctx.resourceId,
    identity: ctx.identity,
    now: ctx.now,
    timestamp,
    extra: {source: BACKFILL_SOURCE},
  });
  if (result.ok && publishedAt === undefined && doc.published_at !== undefined && doc.published_at !== null) {
    result.warnings.push('timestamp: published_at is not an ISO 8601 date-time with a zone; used _createdAt');
  }
  return result;
}
