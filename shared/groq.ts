/**
 * GROQ generated from the tracking plan: the function's filter and delta-mode
 * projection, and the page projection the website uses (its non-delta twin).
 */
import {BROWSER_PROPERTIES, PROPERTIES, type PropertySpec, SYSTEM_FIELDS, TRACKED_TYPES} from './tracking-plan.ts';

const quote = (s: string): string => JSON.stringify(s);

/** The GROQ a property reads on documents of `type`: its per-type source, else its default. */
export function sourceFor(spec: PropertySpec, type: string): string {
  return spec.byType && Object.hasOwn(spec.byType, type) ? spec.byType[type]! : spec.groq;
}

/**
 * One expression for a property over every tracked type: its default source, or
 * `select(_type == "article" => language, locale)` when some types read it elsewhere.
 * `_type` is the projected document's, so on a delete (projected through `before()`)
 * it is the deleted document's type.
 */
export function propertyGroq(spec: PropertySpec): string {
  const cases = Object.entries(spec.byType ?? {}).map(([type, groq]) => `_type == ${quote(type)} => ${groq}`);
  return cases.length === 0 ? spec.groq : `select(${[...cases, spec.groq].join(', ')})`;
}

function fieldList(props: readonly PropertySpec[], system: readonly string[]): string {
  return [...system, ...props.map((p) => `${quote(p.name)}: ${propertyGroq(p)}`)].join(', ');
}

/** `{_id, _type, ..., "content_id": _id, "author": author->name, ...}` over the whole plan (or the given properties). */
export function documentFields(properties: readonly PropertySpec[] = PROPERTIES): string {
  return `{${fieldList(properties, SYSTEM_FIELDS)}}`;
}
export const DOCUMENT_FIELDS = /* @__PURE__ */ documentFields();

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
export function functionProjection(properties: readonly PropertySpec[] = PROPERTIES): string {
  const fields = documentFields(properties);
  return `{"operation": delta::operation(), ...select(delta::operation() == "delete" => before(), @)${fields}, "previous": select(delta::operation() == "update" => before()${fields})}`;
}
export const FUNCTION_PROJECTION = /* @__PURE__ */ functionProjection();

/**
 * The page projection: what a website query appends to fetch exactly the
 * properties the browser sends, e.g. `*[_type == "article" && slug.current == $slug][0]${PAGE_PROJECTION}`.
 */
export const PAGE_PROJECTION = `{${fieldList(BROWSER_PROPERTIES, [])}}`;

/**
 * What a website's page query appends to fetch exactly the properties the browser
 * helper sends (the page projection), e.g.
 * `*[_type == "article" && slug.current == $slug][0]{title, body, "analytics": ${CONTENT_VIEW_PROJECTION}}`.
 * Import it where the page is fetched; the browser bundle does not carry it.
 */
export const CONTENT_VIEW_PROJECTION: string = PAGE_PROJECTION;

/** The projection the backfill reads published documents with (non-delta, whole plan). */
export const BACKFILL_PROJECTION = DOCUMENT_FIELDS;
