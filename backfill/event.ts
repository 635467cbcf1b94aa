/**
 * One backfilled document → one "Content Published" event, built by the same
 * builder as the function (shared/content-event.ts), so the properties, the
 * normalisation and the idempotency key are identical: the key depends only
 * on the dataset, the document id and its revision, so sending the same
 * revision again (a second run, a resumed batch, the function's own create
 * event) is ignored by Heap.
 */
import {buildContentEvent, type ContentEventResult} from '../shared/content-event.ts';
import {isoTimestamp} from '../shared/timestamp.ts';

/** Where an event came from: the server-only `source` property. */
export const BACKFILL_SOURCE = 'backfill';

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
