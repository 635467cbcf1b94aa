/**
 * The tracking plan: the one source of truth for what reaches Heap.
 *
 * Tracked document types, event names, and every event property with its GROQ
 * source, kind and length limit. The blueprint's filter and projection, the
 * server normaliser, the browser helper and the backfill are all generated from
 * this file. Changing a property is a one-line edit here.
 */

/** Document types whose create, update and delete become Heap events. */
export const TRACKED_TYPES = ['article', 'landingPage', 'productPage', 'docsPage'] as const;

/** Event names, by what happened to the content. */
export const EVENTS = {
  create: 'Content Published',
  update: 'Content Updated',
  delete: 'Content Deleted',
  view: 'Content Viewed',
} as const;

export type Operation = 'create' | 'update' | 'delete';
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/**
 * How a property's value is shaped before it reaches Heap:
 * - `id`: a document id, reduced to its published id (no `drafts.` / `versions.<release>.` prefix)
 * - `string`: a string, cut below Heap's 1024-character limit
 * - `list`: an array of strings, joined with `||` (what Heap itself does with arrays)
 * - `datetime`: an ISO 8601 string; a date alone (a Sanity `date` field) is sent as that day's midnight UTC
 * - `number`: a finite number
 */
export type PropertyKind = 'id' | 'string' | 'list' | 'datetime' | 'number';

export interface PropertySpec {
  /** Heap property name (snake_case). */
  readonly name: string;
  /** GROQ expression evaluated against the document (dereferences allowed); `null` where a type has no such field. */
  readonly groq: string;
  /**
   * Where a tracked type keeps the value elsewhere: its own GROQ, by type name, e.g.
   * `{article: 'language'}` (other types read `groq`). The generated projection stays
   * one expression: `select(_type == "article" => language, locale)`.
   */
  readonly byType?: Readonly<Record<string, string>>;
  readonly kind: PropertyKind;
  /** Maximum characters kept (after joining lists); below Heap's 1024. */
  readonly maxLength: number;
  /** Content properties go on browser events too; server-only ones describe the change, not the content. */
  readonly serverOnly?: boolean;
}

const ID = 200;
const TEXT = 1000;

/** Content properties: the same on every server event and on the browser's "Content Viewed". */
export const PROPERTIES: readonly PropertySpec[] = [
  {name: 'content_id', groq: '_id', kind: 'id', maxLength: ID},
  {name: 'content_type', groq: '_type', kind: 'string', maxLength: ID},
  {name: 'slug', groq: 'slug.current', kind: 'string', maxLength: TEXT},
  {name: 'title', groq: 'title', kind: 'string', maxLength: TEXT},
  {name: 'author', groq: 'author->name', kind: 'string', maxLength: TEXT},
  {name: 'topics', groq: 'topics[]->title', kind: 'list', maxLength: TEXT},
  {name: 'locale', groq: 'locale', kind: 'string', maxLength: 35},
  {name: 'campaign', groq: 'campaign', kind: 'string', maxLength: TEXT},
  {name: 'release_id', groq: 'releaseId', kind: 'string', maxLength: ID},
  {name: 'experiment_key', groq: 'experimentKey', kind: 'string', maxLength: ID},
  {name: 'experiment_variant', groq: 'experimentVariant', kind: 'string', maxLength: ID},
  {name: 'published_at', groq: 'publishedAt', kind: 'datetime', maxLength: 40},
  {name: 'revision', groq: '_rev', kind: 'string', maxLength: ID, serverOnly: true},
];

/**
 * Properties only the server knows, not part of the document projection:
 * the dataset (from the function's context), what changed, and where an event came from.
 */
export const SERVER_CONTEXT_PROPERTIES = ['dataset', 'changed_properties', 'source'] as const;

/** Every property that never goes on a browser event. */
export const SERVER_ONLY_PROPERTIES: readonly string[] = /* @__PURE__ */ PROPERTIES.filter((p) => p.serverOnly)
  .map((p) => p.name)
  .concat(SERVER_CONTEXT_PROPERTIES);

/** Properties the browser sends: the content properties minus the server-only ones. */
export const BROWSER_PROPERTIES: readonly PropertySpec[] = PROPERTIES.filter((p) => !p.serverOnly);

/** Document system fields the handler needs besides the plan's properties. */
export const SYSTEM_FIELDS = ['_id', '_type', '_rev', '_createdAt', '_updatedAt'] as const;

/** The fixed Heap identity content events belong to (one Heap user, never a visitor). */
export const DEFAULT_IDENTITY = 'system:sanity-content';
