/**
 * Reading published documents for the backfill: GROQ built from the tracking
 * plan, pages by `_id` cursor (`_id > $last`, ordered by `_id`, never an
 * offset, so a page costs the same at the end of the dataset as at the start
 * and documents added meanwhile cannot shift pages), streamed as an async
 * generator that holds at most two pages (the one being consumed and the next,
 * fetched ahead).
 */
import {BACKFILL_PROJECTION, propertyGroq} from '../shared/groq.ts';
import {PROPERTIES} from '../shared/tracking-plan.ts';

/** The slice of @sanity/client the reader needs (so tests can pass any client). */
export interface QueryClient {
  fetch<R = unknown>(query: string, params: Record<string, unknown>): Promise<R>;
}

/** A document as BACKFILL_PROJECTION returns it. */
export type ProjectedDocument = Record<string, unknown> & {_id: string};

export const READ_PAGE_SIZE = 1000;

/** The GROQ source of the plan's `published_at` property (one expression over every type). */
const publishedAtSpec = PROPERTIES.find((p) => p.name === 'published_at');
const PUBLISHED_AT = publishedAtSpec ? propertyGroq(publishedAtSpec) : 'publishedAt';

export interface Selection {
  types: readonly string[];
  /** ISO timestamp: documents first published (publishedAt, else _createdAt) at or after it. */
  since?: string;
}

/** Published documents only: never `drafts.` or `versions.<release>.`. */
const PUBLISHED_ONLY = '!(_id in path("drafts.**")) && !(_id in path("versions.**"))';

/**
 * The filter body: tracked types, published documents only (never `drafts.`
 * or `versions.<release>.`), optionally first published since `$since`.
 * Parameters: `$types`, and `$since` when set.
 */
export function publishedFilter(selection: Selection): string {
  const parts = ['_type in $types', PUBLISHED_ONLY];
  // A date field ("2025-03-01") counts as that day at midnight UTC, as the normaliser sends it.
  const first = `coalesce(dateTime(${PUBLISHED_AT}), dateTime(${PUBLISHED_AT} + "T00:00:00Z"), dateTime(_createdAt))`;
  if (selection.since !== undefined) parts.push(`${first} >= dateTime($since)`);
  return parts.join(' && ');
}

function selectionParams(selection: Selection): Record<string, unknown> {
  return selection.since === undefined
    ? {types: [...selection.types]}
    : {types: [...selection.types], since: selection.since};
}

/** One page after `$last`, in `_id` order, projected. */
export function pageQuery(selection: Selection, pageSize: number): string {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  return `*[${publishedFilter(selection)} && _id > $last] | order(_id asc) [0...${pageSize}]${BACKFILL_PROJECTION}`;
}

/** How many documents are left after `$last`. */
export function countQuery(selection: Selection): string {
  return `count(*[${publishedFilter(selection)} && _id > $last])`;
}

/** Documents by id (published only, any type: a failure file names its own documents). */
export function byIdsQuery(): string {
  return `*[_id in $ids && ${PUBLISHED_ONLY}] | order(_id asc)${BACKFILL_PROJECTION}`;
}

export async function countRemaining(client: QueryClient, selection: Selection, after = ''): Promise<number> {
  const n = await client.fetch<unknown>(countQuery(selection), {...selectionParams(selection), last: after});
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new Error(`the count query returned ${JSON.stringify(n)?.slice(0, 80)}, expected a number`);
  return n;
}

function checkPage(page: unknown, after: string): ProjectedDocument[] {
  if (!Array.isArray(page))
    throw new Error(`the page query returned ${page === null ? 'null' : typeof page}, expected an array`);
  let last = after;
  for (const doc of page as unknown[]) {
    const id = (doc as {_id?: unknown} | null)?._id;
    if (typeof id !== 'string') throw new Error('the page query returned a document without an _id');
    // The cursor only works if the server orders and compares ids the same way.
    if (!(id > last)) throw new Error(`the page query returned ${id} after ${last}: ids are not in ascending order`);
    last = id;
  }
  return page as ProjectedDocument[];
}

export interface ReadOptions extends Selection {
  /** Start after this `_id` (the checkpoint's cursor); '' = from the start. */
  after?: string;
  pageSize?: number;
}

/**
 * Every matching published document, in `_id` order, one page at a time,
 * fetching the next page while the caller works on the current one.
 */
export async function* readPublished(client: QueryClient, o: ReadOptions): AsyncGenerator<ProjectedDocument> {
  const pageSize = o.pageSize ?? READ_PAGE_SIZE;
  const query = pageQuery(o, pageSize);
  const params = selectionParams(o);
  const fetchPage = async (last: string): Promise<ProjectedDocument[]> =>
    checkPage(await client.fetch<unknown>(query, {...params, last}), last);
  let last = o.after ?? '';
  let next: Promise<ProjectedDocument[]> | undefined = fetchPage(last);
  while (next) {
    const page: ProjectedDocument[] = await next;
    next = undefined;
    if (page.length === pageSize) {
      last = page[page.length - 1]!._id;
      next = fetchPage(last);
      // Stopping early must not leave an unhandled rejection behind.
      next.catch(() => {});
    }
    yield* page;
  }
}

/** The published documents among `ids`, fetched `chunk` ids at a time. Missing ones are simply absent. */
export async function* readByIds(
  client: QueryClient,
  ids: readonly string[],
  chunk = 200,
): AsyncGenerator<ProjectedDocument> {
  for (let i = 0; i < ids.length; i += chunk) {
    const page = await client.fetch<unknown>(byIdsQuery(), {ids: ids.slice(i, i + chunk)});
    yield* checkPage(page, '');
  }
}
