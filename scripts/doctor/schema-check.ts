/**
 * The tracking plan against a project's real schema (the file `sanity schema
 * extract` writes), with groq-js's typeEvaluate: for each tracked type, the
 * generated projection's property expressions (per-type `select()` included)
 * are typed on a document of that type, as Sanity TypeGen types a query. Per
 * tracked type, one line per mismatch with the fix:
 * - a tracked type the schema does not have;
 * - a property that is always null there (no such field, or a dereference that
 *   reaches no such field), naming the closest field of the right kind;
 * - a kind mismatch: an object or a list where a string is expected, a list of
 *   strings dereferenced as if it held references.
 * A `date` field cannot be told from a date-time in the extracted schema (both
 * are strings); the normaliser sends a date as that day's midnight UTC, so
 * either fits `published_at`.
 *
 * The function's filter selects by `coalesce(_type, before()._type)`, which
 * typeEvaluate cannot type (no `before()` outside delta mode): each tracked
 * type is typed as `*[_type == "<type>"][0]{...}`, which is what that filter
 * selects, and the projection's fields are the same on create, update and
 * delete (on a delete they are read from `before()`).
 */
import {propertyGroq, sourceFor} from '../../shared/groq.ts';
import type {PropertySpec} from '../../shared/tracking-plan.ts';
import {
  describeKind,
  documentTypes,
  EXTRACT_HINT,
  type ExtractedSchema,
  evaluateKinds,
  fits,
  type readSchemaFlag,
  type ValueKind,
} from '../schema/extracted-schema.ts';
import {closestSource} from '../schema/field-match.ts';
import {type Finding, note, problem} from './finding.ts';
import {fieldPath} from './groq-ast.ts';

export interface SchemaPlan {
  trackedTypes: readonly string[];
  properties: readonly PropertySpec[];
}

const PLAN_FILE = 'shared/tracking-plan.ts';
const show = (v: unknown): string => JSON.stringify(v);
const WANTED: Record<PropertySpec['kind'], string> = {
  id: 'a string (a document id)',
  string: 'a string',
  datetime: 'a date-time string',
  number: 'a number',
  list: 'a list of strings',
};

/** A source that deliberately reads nothing on a type. */
const isNull = (groq: string): boolean => groq.trim() === 'null';

/** The root field of a plain source (`authors[0]->fullName` → `authors`), if it is one. */
function rootField(groq: string): string | undefined {
  try {
    const root = fieldPath(groq)[0];
    return root && !root.startsWith('_') ? root : undefined;
  } catch {
    return undefined;
  }
}

/** Why the value is not what the plan needs, from what groq-js says about it and about its root field. */
function whyNot(type: string, groq: string, kind: ValueKind, root: ValueKind | undefined, wanted: string): string {
  const field = rootField(groq);
  if (kind.kind === 'empty-list' || (kind.kind === 'nothing' && root?.kind === 'list' && groq.includes('->')))
    return `${type}.${field} is a list of strings, not references, so ${groq} dereferences nothing`;
  if (kind.kind === 'nothing') {
    if (field && root?.kind === 'nothing') return `${groq} resolves to nothing: ${type} has no field ${field}`;
    if (field && groq.includes('->'))
      return `${groq} resolves to nothing: the documents ${type}.${field} refers to have no such field`;
    return `${groq} resolves to nothing on ${type}`;
  }
  return `${groq} is ${describeKind(kind)} on ${type}, where ${wanted} is expected`;
}

function fixFor(schema: ExtractedSchema, type: string, spec: PropertySpec): string {
  const closest = closestSource(schema, type, spec);
  const dates = spec.kind === 'datetime' ? ' (a date field is sent as that day at midnight UTC)' : '';
  if (closest && closest === spec.groq && spec.byType && Object.hasOwn(spec.byType, type))
    return `read ${closest} there, the default: remove ${type} from the byType of ${show(spec.name)} in ${PLAN_FILE}`;
  if (closest)
    return `read ${closest} there${dates}: give ${show(spec.name)} byType: {${type}: '${closest}'} in ${PLAN_FILE}`;
  return `no field of ${type} fits by name and kind: add one to ${type} (studio/analytics-fields.ts), or read nothing there: give ${show(spec.name)} byType: {${type}: 'null'} in ${PLAN_FILE}`;
}

function checkType(schema: ExtractedSchema, type: string, properties: readonly PropertySpec[]): Finding[] {
  const expressions: Record<string, string> = {};
  for (const spec of properties) {
    // The generated expression, per-type select() included, typed on a document of this type.
    expressions[spec.name] = propertyGroq(spec);
    const root = rootField(sourceFor(spec, type));
    if (root) expressions[`root:${spec.name}`] = root;
  }
  const kinds = evaluateKinds(schema, type, expressions);
  const findings: Finding[] = [];
  for (const spec of properties) {
    const groq = sourceFor(spec, type);
    if (isNull(groq)) {
      findings.push(note('schema', `${type}: ${show(spec.name)} reads nothing on ${type} (its source there is null)`));
      continue;
    }
    const kind = kinds[spec.name] ?? {kind: 'unknown'};
    if (fits(kind, spec.kind)) continue;
    if (kind.kind === 'unknown') {
      findings.push(
        note('schema', `${type}: ${show(spec.name)} reads ${groq}, whose type groq-js cannot tell; check it by hand`),
      );
      continue;
    }
    findings.push(
      problem(
        'schema',
        `${type}: ${show(spec.name)}: ${whyNot(type, groq, kind, kinds[`root:${spec.name}`], WANTED[spec.kind])}`,
        fixFor(schema, type, spec),
      ),
    );
  }
  return findings;
}

/** Every tracked type against the schema; `file` is only for messages. */
export function checkSchema(schema: ExtractedSchema, file: string, plan: SchemaPlan): Finding[] {
  const types = documentTypes(schema).filter((t) => !t.startsWith('sanity.'));
  const findings: Finding[] = [];
  for (const type of plan.trackedTypes) {
    if (!types.includes(type)) {
      findings.push(
        problem(
          'schema',
          `${type}: tracked, but ${file} has no document type ${show(type)} (it has ${types.join(', ')})`,
          `remove ${show(type)} from TRACKED_TYPES in ${PLAN_FILE}, or rename it to the type that holds that content`,
        ),
      );
      continue;
    }
    findings.push(...checkType(schema, type, plan.properties));
  }
  if (!findings.some((f) => f.severity === 'problem')) {
    findings.push(
      note(
        'schema',
        `the plan fits ${file}: ${plan.properties.length} properties on ${plan.trackedTypes.join(', ')}, typed with groq-js`,
      ),
    );
  }
  return findings;
}

/** `--schema <file>`: the check, or one problem saying why the file cannot be used and how to make it. */
export function checkSchemaFile(read: ReturnType<typeof readSchemaFlag>, plan: SchemaPlan): Finding[] {
  if ('error' in read) return [problem('schema', read.error, `make it with the Studio's CLI: ${EXTRACT_HINT}`)];
  return checkSchema(read.value, read.file, plan);
}
