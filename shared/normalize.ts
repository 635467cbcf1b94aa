/**
 * The normaliser: turns a projected document into Heap properties that are valid
 * under Heap's strictest rules (server and browser alike):
 * flat snake_case keys; string or number values only; lists joined with `||`;
 * nulls dropped; strings cut below 1024 characters on a character boundary.
 *
 * Pure and dependency-free: the function, the backfill and the browser helper share it.
 */
import {LIST_SEPARATOR, MAX_PROPERTY_LENGTH} from './heap-rules.ts';
import {isoTimestamp} from './timestamp.ts';
import {PROPERTIES, type PropertySpec} from './tracking-plan.ts';

export type HeapValue = string | number;
export type HeapProperties = Record<string, HeapValue>;

/** Lower snake_case, starting with a letter. */
export const PROPERTY_KEY = /^[a-z][a-z0-9_]*$/;

const DRAFT_PREFIX = 'drafts.';
const VERSION_PREFIX = /^versions\.[^.]+\./;

/** True for ids that are not published documents (`drafts.x`, `versions.<release>.x`). */
export function isUnpublishedId(id: string): boolean {
  return id.startsWith(DRAFT_PREFIX) || VERSION_PREFIX.test(id);
}

/** The published id a draft or release version belongs to. */
export function publishedId(id: string): string {
  if (id.startsWith(DRAFT_PREFIX)) return id.slice(DRAFT_PREFIX.length);
  return id.replace(VERSION_PREFIX, '');
}

/** Replace lone surrogates (invalid UTF-16) with U+FFFD so the JSON is valid unicode. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A list item that cannot merge with the `||` separator: runs of `|` become one, none at either end. */
function listItem(s: string): string {
  return wellFormed(s)
    .replace(/\|{2,}/g, '|')
    .replace(/^\||\|$/g, '');
}

/** Cut `s` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cut(s: string, max: number): string {
  const clean = wellFormed(s);
  if (clean.length <= max) return clean;
  let end = max;
  const last = clean.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return clean.slice(0, end);
}

export interface Normalised {
  properties: HeapProperties;
  /** One human-readable line per value dropped or changed, e.g. `title: cut from 5000 to 1000 characters`. */
  warnings: string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/** Join list items with `||`, keeping whole items only: a cut never lands inside an item (unless the first alone is too long). */
function joinWithin(name: string, parts: string[], max: number, warnings: string[]): string {
  let joined = '';
  let kept = 0;
  for (const part of parts) {
    const next = kept === 0 ? part : joined + LIST_SEPARATOR + part;
    if (next.length > max) break;
    joined = next;
    kept += 1;
  }
  if (kept === 0) {
    joined = cut(parts[0] ?? '', max);
    kept = 1;
    warnings.push(`${name}: first item cut to ${joined.length} characters`);
  }
  if (kept < parts.length) warnings.push(`${name}: kept ${kept} of ${parts.length} items (limit ${max} characters)`);
  return joined;
}

/** Shape one value by its kind; `undefined` means dropped (with a warning unless it was null/absent). */
export function normaliseValue(spec: PropertySpec, value: unknown, warnings: string[]): HeapValue | undefined {
  if (value === null || value === undefined) return undefined;
  const {name, kind, maxLength} = spec;
  const max = Math.min(maxLength, MAX_PROPERTY_LENGTH - 1);
  const text = (s: string): string | undefined => {
    const out = cut(s, max);
    if (out.length < s.length) warnings.push(`${name}: cut from ${s.length} to ${out.length} characters`);
    return out === '' ? undefined : out;
  };
  switch (kind) {
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      warnings.push(`${name}: expected a finite number, got ${describe(value)}; dropped`);
      return undefined;
    case 'list': {
      const items = Array.isArray(value) ? value : [value];
      const strings = items.filter(
        (v): v is string | number =>
          (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v)),
      );
      if (strings.length < items.filter((v) => v !== null).length)
        warnings.push(`${name}: non-text list items dropped`);
      const parts = strings.map((v) => listItem(String(v))).filter((v) => v !== '');
      if (parts.length === 0) return undefined;
      return joinWithin(name, parts, max, warnings);
    }
    case 'id':
      if (typeof value !== 'string') break;
      return text(publishedId(value));
    case 'datetime': {
      // The one strict parser, canonical output: "1", RFC 1123 dates and February 31st are not dates Heap takes.
      const iso = isoTimestamp(value);
      if (iso !== undefined) return iso;
      break;
    }
    case 'string':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value !== 'string') break;
      return text(value);
  }
  warnings.push(`${name}: expected ${kind === 'id' ? 'an id' : `a ${kind}`}, got ${describe(value)}; dropped`);
  return undefined;
}

/**
 * Normalise the plan's properties from a projected document (keys are the plan's
 * property names). Unknown keys are ignored: only the plan reaches Heap.
 */
export function normaliseProperties(
  doc: Record<string, unknown>,
  specs: readonly PropertySpec[] = PROPERTIES,
): Normalised {
  const properties: HeapProperties = {};
  const warnings: string[] = [];
  for (const spec of specs) {
    const value = normaliseValue(spec, Object.hasOwn(doc, spec.name) ? doc[spec.name] : undefined, warnings);
    if (value !== undefined) properties[spec.name] = value;
  }
  return {properties, warnings};
}
