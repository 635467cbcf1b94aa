/**
 * When event.data was not projected (a raw document: the emulator's "plain"
 * invoke, or a payload sent without before/after), read the tracking plan's
 * properties from it the way the projection would, for every property whose
 * GROQ source for the document's type is a plain attribute path (`title`, `slug.current`). Properties
 * that need GROQ (dereferences such as `author->name`, `topics[]->title`)
 * cannot be read from a raw document: they are reported as missing.
 */
import {sourceFor} from '../../shared/groq.ts';
import {PROPERTIES, SYSTEM_FIELDS} from '../../shared/tracking-plan.ts';

const ATTRIBUTE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

export interface RawProjection {
  /** The plan's property names (and the system fields), as the projection would give them. */
  doc: Record<string, unknown>;
  /** Plan properties that need GROQ and so are absent. */
  unavailable: string[];
}

export function projectRawDocument(raw: Record<string, unknown>): RawProjection {
  const doc: Record<string, unknown> = {};
  const unavailable: string[] = [];
  for (const field of SYSTEM_FIELDS) if (Object.hasOwn(raw, field)) doc[field] = raw[field];
  const type = typeof raw._type === 'string' ? raw._type : '';
  for (const spec of PROPERTIES) {
    const groq = sourceFor(spec, type);
    if (ATTRIBUTE_PATH.test(groq)) doc[spec.name] = readPath(raw, groq.split('.'));
    else unavailable.push(spec.name);
  }
  return {doc, unavailable};
}
