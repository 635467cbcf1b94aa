/**
 * Reading GROQ the way Sanity does (groq-js), for the doctor and for the
 * Studio-field test: parse errors as one line, the nodes a Sanity Function may
 * not use, and which document fields an expression reads.
 */
import {type ExprNode, parse} from 'groq-js';

export type GroqMode = 'normal' | 'delta';

/** Parse, or return the error message (groq-js reports the position). */
export function tryParse(
  query: string,
  mode: GroqMode = 'normal',
): {ok: true; ast: ExprNode} | {ok: false; error: string} {
  try {
    return {ok: true, ast: parse(query, {mode})};
  } catch (error) {
    return {ok: false, error: error instanceof Error ? error.message : String(error)};
  }
}

const isNode = (v: unknown): v is {type: string} =>
  typeof v === 'object' && v !== null && typeof (v as {type?: unknown}).type === 'string';

/** Every node of the tree, depth first (child nodes are any node-shaped property or array item). */
export function* nodes(node: unknown): Generator<{type: string} & Record<string, unknown>> {
  if (!isNode(node)) return;
  yield node as {type: string} & Record<string, unknown>;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const item of value) yield* nodes(item);
    else if (isNode(value)) yield* nodes(value);
  }
}

/**
 * Constructs a Sanity Function's filter or projection must not contain:
 * sub-queries (`*[...]`) and parameters (`$types`: functions get none).
 */
export function forbiddenInFunctions(ast: ExprNode): string[] {
  const found = new Set<string>();
  for (const node of nodes(ast)) {
    if (node.type === 'Everything') found.add('a sub-query (*[...])');
    if (node.type === 'Parameter') found.add(`a parameter ($${String(node.name)})`);
  }
  return [...found];
}

/**
 * A Sanity Function rule (`filter` and `projection`) parsed the way the
 * runtime does (`*[filter]projection`, delta mode), with the constructs
 * functions forbid, looked for in the filter and projection only.
 */
export function checkFunctionRule(
  filter: string,
  projection: string,
): {ok: true; forbidden: string[]} | {ok: false; error: string} {
  const parsed = tryParse(`*[${filter}]${projection}`, 'delta');
  if (!parsed.ok) return parsed;
  const parts: ExprNode[] = [];
  let node: ExprNode = parsed.ast;
  // `*[filter]{...}` parses as Map(base: Filter(base: Everything, expr: filter), expr: projection).
  while (node.type === 'Map' || node.type === 'Projection' || node.type === 'Filter') {
    parts.push(node.expr);
    node = node.base;
  }
  return {ok: true, forbidden: [...new Set(parts.flatMap((p) => forbiddenInFunctions(p)))]};
}

/**
 * One field read, as path segments from the document root:
 * `slug.current` → ['slug', 'current']; `author->name` → ['author', '->', 'name'];
 * `topics[]->title` → ['topics', '[]', '->', 'title'].
 */
export type FieldPath = readonly string[];

/**
 * The field path a plan property's GROQ source reads. Only the forms a tracking
 * plan uses are understood (attribute access, dereference, `[]`, and mapping over
 * an array); anything else throws, so a test fails loudly instead of guessing.
 */
export function fieldPath(groq: string): FieldPath {
  const parsed = tryParse(groq);
  if (!parsed.ok) throw new Error(`GROQ ${JSON.stringify(groq)} does not parse: ${parsed.error}`);
  return segments(parsed.ast, groq);
}

function segments(node: ExprNode, source: string): string[] {
  switch (node.type) {
    case 'This':
      return [];
    case 'AccessAttribute':
      return [...(node.base ? segments(node.base, source) : []), node.name];
    case 'Deref':
      return [...segments(node.base, source), '->'];
    case 'ArrayCoerce':
      return [...segments(node.base, source), '[]'];
    case 'Map':
      return [...segments(node.base, source), ...segments(node.expr, source)];
    default:
      throw new Error(`GROQ ${JSON.stringify(source)}: ${node.type} is not a plain field read`);
  }
}
