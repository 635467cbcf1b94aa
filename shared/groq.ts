/**
 * GROQ generated from the tracking plan: the function's filter and delta-mode
 * projection, and the page projection the website uses (its non-delta twin).
 */
import {BROWSER_PROPERTIES, PROPERTIES, type PropertySpec, SYSTEM_FIELDS, TRACKED_TYPES} from './tracking-plan.ts';

const quote = (s: string): string => JSON.stringify(s);

function fieldList(props: readonly PropertySpec[], system: readonly string[]): string {
  return [...system, ...props.map((p) => `${quote(p.name)}: ${p.groq}`)].join(', ');
}

/** `{_id, _type, ..., "content_id": _id, "author": author->name, ...}` over the whole plan. */
export const DOCUMENT_FIELDS = `{${/* @__PURE__ */ fieldList(PROPERTIES, SYSTEM_FIELDS)}}`;

/**
 * The function's filter (delta mode). Matches the tracked types on create and
 * update, and on delete through `before()` (after a delete `@` is empty);
 * published documents only: never a draft or a release version.
 */
export function functionFilter(types: readonly string[] = TRACKED_TYPES): string {
  const list = `[${types.map(quote).join(', ')}]`;
  return [
    `coalesce(_type, before()._type) in ${list}`,
    `!(coalesce(_id, before()._id) in path("drafts.**"))`,
    `!(coalesce(_id, before()._id) in path("versions.**"))`,
  ].join(' && ');
}

/**
 * The function's projection (delta mode). Top level: the changed document's
 * plan fields (read through `before()` on a delete), `operation`, and on an
 * update `previous`: the same fields before the change, so the handler can
 * tell which tracked properties changed without reading the Content Lake.
 */
export const FUNCTION_PROJECTION = `{"operation": delta::operation(), ...select(delta::operation() == "delete" => before(), @)${DOCUMENT_FIELDS}, "previous": select(delta::operation() == "update" => before()${DOCUMENT_FIELDS})}`;

/**
 * The page projection: what a website query appends to fetch exactly the
 * properties the browser sends, e.g. `*[_type == "article" && slug.current == $slug][0]${PAGE_PROJECTION}`.
 */
export const PAGE_PROJECTION = `{${fieldList(BROWSER_PROPERTIES, [])}}`;

/** The projection the backfill reads published documents with (non-delta, whole plan). */
export const BACKFILL_PROJECTION = DOCUMENT_FIELDS;
