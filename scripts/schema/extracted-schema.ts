/**
 * The file `sanity schema extract` writes (Sanity's GROQ type schema: document
 * and named types with their attributes, references as `dereferencesTo`), read
 * for the doctor's schema check and `plan:propose`. What a GROQ expression gives
 * for a document type is asked of groq-js's `typeEvaluate`, as Sanity TypeGen
 * does; this module only loads the file, lists the fields worth reading, and
 * sorts the evaluated types into the kinds a tracking plan cares about.
 */
import {readFileSync} from 'node:fs';
import {parse, type SchemaType, type TypeNode, typeEvaluate} from 'groq-js';
import type {PropertyKind} from '../../shared/tracking-plan.ts';

export type ExtractedSchema = SchemaType;
type Entry = ExtractedSchema[number];

/** How to make the file, for every error that says it is missing or wrong. */
export const EXTRACT_HINT = 'in your Studio folder run: npx sanity schema extract --path schema.json';

export class SchemaFileError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read and shape-check an extracted schema file; throws SchemaFileError with the reason. */
export function loadSchemaFile(file: string): ExtractedSchema {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SchemaFileError(`${file} cannot be read (${code ?? 'error'})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SchemaFileError(`${file} is not JSON`);
  }
  const entries = Array.isArray(value) ? value : [];
  const shaped = entries.every(
    (e) => isObject(e) && typeof e.name === 'string' && (e.type === 'document' || e.type === 'type'),
  );
  if (!Array.isArray(value) || !shaped || !entries.some((e) => e.type === 'document')) {
    throw new SchemaFileError(`${file} is not what sanity schema extract writes (a list of document and type entries)`);
  }
  return value as ExtractedSchema;
}

/** {@link loadSchemaFile} for a CLI flag: the file as given (messages name it so), or why it cannot be used. */
export function readSchemaFlag(file: string): {file: string; value: ExtractedSchema} | {file: string; error: string} {
  try {
    return {file, value: loadSchemaFile(file)};
  } catch (error) {
    if (error instanceof SchemaFileError) return {file, error: error.message};
    throw error;
  }
}

export function documentTypes(schema: ExtractedSchema): string[] {
  return schema.filter((e) => e.type === 'document').map((e) => e.name);
}

function entry(schema: ExtractedSchema, name: string): Entry | undefined {
  return schema.find((e) => e.name === name);
}

/** A type with `inline` names resolved (one level per call; the extractor never nests them deeper than needed). */
function resolve(schema: ExtractedSchema, node: TypeNode, seen: ReadonlySet<string> = new Set()): TypeNode {
  if (node.type !== 'inline' || seen.has(node.name)) return node;
  const found = entry(schema, node.name);
  if (!found) return {type: 'unknown'};
  const value: TypeNode = found.type === 'document' ? {type: 'object', attributes: found.attributes} : found.value;
  return resolve(schema, value, new Set([...seen, node.name]));
}

/** What an array item or object is once its `rest` (where the extractor puts references and hoisted types) is merged in. */
function flatten(schema: ExtractedSchema, node: TypeNode): TypeNode {
  const resolved = resolve(schema, node);
  if (resolved.type !== 'object' || !resolved.rest) return resolved;
  const rest = flatten(schema, resolved.rest);
  if (rest.type !== 'object') return resolved;
  return {
    type: 'object',
    attributes: {...rest.attributes, ...resolved.attributes},
    ...(rest.dereferencesTo ? {dereferencesTo: rest.dereferencesTo} : {}),
  };
}

/** Names of the text fields of a document type (not `_` system fields). */
function textFields(schema: ExtractedSchema, typeName: string): string[] {
  const doc = entry(schema, typeName);
  if (doc?.type !== 'document') return [];
  return Object.entries(doc.attributes)
    .filter(([name, attr]) => !name.startsWith('_') && resolve(schema, attr.value).type === 'string')
    .map(([name]) => name);
}

/** Text attributes of an object (not `_` ones, except none). */
function objectTextFields(schema: ExtractedSchema, node: TypeNode): string[] {
  if (node.type !== 'object') return [];
  return Object.entries(node.attributes)
    .filter(([name, attr]) => !name.startsWith('_') && resolve(schema, attr.value).type === 'string')
    .map(([name]) => name);
}

/**
 * GROQ paths worth reading on a document type, for proposing a source:
 * text fields (`language`), text inside objects (`slug.current`, `campaign.code`),
 * text on referenced documents (`author->name`), lists of text (`tags`, and their
 * first item `tags[0]`), and through arrays of references both the list
 * (`authors[]->fullName`) and the first item (`authors[0]->fullName`). Their kinds come from {@link evaluateKinds}.
 */
export function candidatePaths(schema: ExtractedSchema, typeName: string): string[] {
  const doc = entry(schema, typeName);
  if (doc?.type !== 'document') return [];
  const paths: string[] = [];
  for (const [name, attr] of Object.entries(doc.attributes)) {
    if (name.startsWith('_')) continue;
    const value = flatten(schema, attr.value);
    if (value.type === 'string' || value.type === 'number') paths.push(name);
    if (value.type === 'object') {
      const target = value.dereferencesTo;
      if (target) paths.push(...textFields(schema, target).map((f) => `${name}->${f}`));
      else paths.push(...objectTextFields(schema, value).map((f) => `${name}.${f}`));
    }
    if (value.type === 'array') {
      const item = flatten(schema, value.of);
      if (item.type === 'string' || item.type === 'number') paths.push(name, `${name}[0]`);
      if (item.type === 'object') {
        const target = item.dereferencesTo;
        const fields = target ? textFields(schema, target) : objectTextFields(schema, item);
        const step = target ? '->' : '.';
        for (const f of fields) paths.push(`${name}[]${step}${f}`, `${name}[0]${step}${f}`);
      }
    }
  }
  return paths;
}

/**
 * What a value is, for a tracking plan: `nothing` (always null: the field does
 * not exist, or a dereference reaches no such field), `text`, `number`, `list`
 * (of text or numbers), `empty-list` (a list whose items are all null: e.g.
 * strings dereferenced as if they were references), `object` (with its text
 * attributes), another `array`, or `unknown`.
 */
export type ValueKind =
  | {kind: 'nothing'}
  | {kind: 'text'}
  | {kind: 'number'}
  | {kind: 'list'}
  | {kind: 'empty-list'}
  | {kind: 'object'; textFields: string[]}
  | {kind: 'array'}
  | {kind: 'boolean'}
  | {kind: 'unknown'};

export function kindOf(schema: ExtractedSchema, node: TypeNode): ValueKind {
  const resolved = flatten(schema, node);
  if (resolved.type === 'union') {
    const members = resolved.of.map((m) => kindOf(schema, m)).filter((k) => k.kind !== 'nothing');
    if (members.length === 0) return {kind: 'nothing'};
    const first = members[0]!;
    return members.every((m) => m.kind === first.kind) ? first : {kind: 'unknown'};
  }
  switch (resolved.type) {
    case 'null':
      return {kind: 'nothing'};
    case 'string':
      return {kind: 'text'};
    case 'number':
      return {kind: 'number'};
    case 'boolean':
      return {kind: 'boolean'};
    case 'object':
      return {kind: 'object', textFields: objectTextFields(schema, resolved)};
    case 'array': {
      const item = kindOf(schema, resolved.of);
      if (item.kind === 'text' || item.kind === 'number') return {kind: 'list'};
      return item.kind === 'nothing' ? {kind: 'empty-list'} : {kind: 'array'};
    }
    default:
      return {kind: 'unknown'};
  }
}

/**
 * `typeEvaluate` of `*[_type == "<type>"][0]{"<key>": <groq>, ...}`: the kind of
 * each expression on a document of that type. Expressions that do not parse
 * come back as `unknown` (the plan check reports parse errors).
 */
export function evaluateKinds(
  schema: ExtractedSchema,
  typeName: string,
  expressions: Readonly<Record<string, string>>,
): Record<string, ValueKind> {
  const fields = Object.entries(expressions).map(([key, groq]) => `${JSON.stringify(key)}: ${groq}`);
  const query = `*[_type == ${JSON.stringify(typeName)}][0]{${fields.join(', ')}}`;
  let result: TypeNode;
  try {
    result = typeEvaluate(parse(query), schema);
  } catch {
    return Object.fromEntries(Object.keys(expressions).map((k) => [k, {kind: 'unknown'} as ValueKind]));
  }
  const doc = [result, ...(result.type === 'union' ? result.of : [])].find((n) => n.type === 'object');
  const attributes = doc?.type === 'object' ? doc.attributes : {};
  return Object.fromEntries(
    Object.keys(expressions).map((k) => [k, attributes[k] ? kindOf(schema, attributes[k].value) : {kind: 'unknown'}]),
  );
}

/** Whether a value of this kind becomes the plan kind without loss (numbers are text; one text item is a list). */
export function fits(kind: ValueKind, planKind: PropertyKind): boolean {
  switch (planKind) {
    case 'id':
    case 'datetime':
      return kind.kind === 'text';
    case 'string':
      return kind.kind === 'text' || kind.kind === 'number';
    case 'number':
      return kind.kind === 'number';
    case 'list':
      return kind.kind === 'list' || kind.kind === 'text';
  }
}

/** "a list of strings", "an object (code, budget)", ... for messages. */
export function describeKind(kind: ValueKind): string {
  switch (kind.kind) {
    case 'nothing':
      return 'nothing (always null)';
    case 'text':
      return 'a string';
    case 'number':
      return 'a number';
    case 'list':
      return 'a list of strings';
    case 'empty-list':
      return 'a list of nulls';
    case 'object':
      return `an object${kind.textFields.length > 0 ? ` (${kind.textFields.join(', ')})` : ''}`;
    case 'array':
      return 'a list of objects';
    case 'boolean':
      return 'a boolean';
    case 'unknown':
      return 'a value of unknown type';
  }
}
