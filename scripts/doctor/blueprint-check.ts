/**
 * The blueprint, checked offline: @sanity/blueprints' own validation, then what
 * this project needs from it: the function `heap-content-sync`, fired on
 * create/update/delete of published documents, with the filter and projection
 * generated from the tracking plan, and no HEAP_* values in its committed `env`.
 */
import {validateBlueprint, validateDocumentFunction} from '@sanity/blueprints';
import {FUNCTION_NAME} from '../../shared/function-settings.ts';
import {FUNCTION_PROJECTION, functionFilter} from '../../shared/groq.ts';
import {type Finding, note, problem} from './finding.ts';
import {checkFunctionRule} from './groq-ast.ts';

export interface BlueprintExpectations {
  name: string;
  on: readonly string[];
  filter: string;
  projection: string;
}

export const EXPECTED: BlueprintExpectations = {
  name: FUNCTION_NAME,
  on: ['create', 'update', 'delete'],
  filter: functionFilter(),
  projection: FUNCTION_PROJECTION,
};

const FILE = 'sanity.blueprint.ts';
const DOCUMENT_FUNCTION = 'sanity.function.document';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** The blueprint document: what `defineBlueprint(...)` returns is a function producing it. */
function blueprintDocument(blueprint: unknown): {ok: true; doc: unknown} | {ok: false; finding: Finding} {
  if (typeof blueprint === 'function') {
    try {
      return {ok: true, doc: (blueprint as () => unknown)()};
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        finding: problem('blueprint', `the blueprint threw when built: ${message}`, `fix ${FILE}`),
      };
    }
  }
  if (isObject(blueprint)) return {ok: true, doc: blueprint};
  return {
    ok: false,
    finding: problem(
      'blueprint',
      `the default export of ${FILE} is ${show(blueprint)}, not a blueprint`,
      `export default defineBlueprint({resources: [...]}) from @sanity/blueprints`,
    ),
  };
}

function checkEvent(event: Json, expected: BlueprintExpectations): Finding[] {
  const findings: Finding[] = [];
  const on = Array.isArray(event.on) ? event.on : undefined;
  const sameOn =
    on !== undefined && on.length === expected.on.length && expected.on.every((operation) => on.includes(operation));
  if (!sameOn) {
    findings.push(
      problem(
        'blueprint',
        `event.on is ${show(event.on ?? null)}${event.on === undefined ? ' (Sanity then defaults to ["publish"])' : ''}, expected ${show(expected.on)}`,
        `set event.on: ${show(expected.on)} in ${FILE}`,
      ),
    );
  }
  for (const key of ['includeDrafts', 'includeAllVersions'] as const) {
    if (event[key] === true) {
      findings.push(
        problem(
          'blueprint',
          `event.${key} is true: the plan tracks published documents only, so every draft or release edit would be an invocation the filter then drops`,
          `remove event.${key} from ${FILE}`,
        ),
      );
    }
  }
  if (event.filter !== expected.filter) {
    findings.push(
      problem(
        'blueprint',
        'event.filter is not the filter generated from the tracking plan',
        `set filter: functionFilter() (from shared/groq.ts) in ${FILE}`,
      ),
    );
  }
  if (event.projection !== expected.projection) {
    findings.push(
      problem(
        'blueprint',
        'event.projection is not the projection generated from the tracking plan',
        `set projection: FUNCTION_PROJECTION (from shared/groq.ts) in ${FILE}`,
      ),
    );
  }
  const filter = typeof event.filter === 'string' ? event.filter : '';
  const projection = typeof event.projection === 'string' ? event.projection : '';
  const rule = checkFunctionRule(filter, projection);
  if (!rule.ok) {
    findings.push(
      problem(
        'blueprint',
        `the filter and projection do not parse as GROQ in delta mode: ${rule.error}`,
        'use the generated ones',
      ),
    );
  } else {
    for (const what of rule.forbidden) {
      findings.push(
        problem(
          'blueprint',
          `the filter or projection uses ${what}, which Sanity Functions do not allow`,
          'use the generated ones',
        ),
      );
    }
  }
  const resource = event.resource;
  if (isObject(resource) && typeof resource.id === 'string') {
    findings.push(note('blueprint', `the function fires for dataset ${resource.id} only`));
  } else {
    findings.push(
      note(
        'blueprint',
        'the function is not scoped to one dataset: it fires for every dataset of the project (staging included); set SANITY_PROJECT_ID and SANITY_FUNCTION_DATASET when deploying to scope it',
      ),
    );
  }
  return findings;
}

/** Check a blueprint (the module's default export, or the document it builds). */
export function checkBlueprint(blueprint: unknown, expected: BlueprintExpectations = EXPECTED): Finding[] {
  const built = blueprintDocument(blueprint);
  if (!built.ok) return [built.finding];
  const findings: Finding[] = [];
  for (const error of validateBlueprint(built.doc)) {
    findings.push(problem('blueprint', `@sanity/blueprints: ${error.message}`, `fix ${FILE}`));
  }
  const doc = built.doc;
  const resources = isObject(doc) && Array.isArray(doc.resources) ? doc.resources.filter(isObject) : [];
  const fn = resources.find((r) => r.name === expected.name);
  if (!fn) {
    const names = resources.map((r) => show(r.name)).join(', ') || 'none';
    findings.push(
      problem(
        'blueprint',
        `no resource named ${show(expected.name)} (resources: ${names})`,
        `declare defineDocumentFunction({name: FUNCTION_NAME, ...}) in ${FILE}`,
      ),
    );
    return findings;
  }
  if (fn.type !== DOCUMENT_FUNCTION) {
    findings.push(
      problem(
        'blueprint',
        `${expected.name} is a ${show(fn.type)}, expected a ${DOCUMENT_FUNCTION}`,
        `define it with defineDocumentFunction in ${FILE}`,
      ),
    );
  }
  for (const error of validateDocumentFunction(fn)) {
    findings.push(problem('blueprint', `@sanity/blueprints: ${expected.name}: ${error.message}`, `fix ${FILE}`));
  }
  if (isObject(fn.env)) {
    for (const key of Object.keys(fn.env).filter((k) => k.startsWith('HEAP_'))) {
      findings.push(
        problem(
          'blueprint',
          `${key} is set in the blueprint's env, which is committed, sent in plain text on every plan and deploy, and overrides the shell locally`,
          `remove it from ${FILE} and run: npx sanity-run functions env add ${expected.name} ${key} <value>`,
        ),
      );
    }
  }
  if (isObject(fn.event)) findings.push(...checkEvent(fn.event, expected));
  else findings.push(problem('blueprint', `${expected.name} has no event`, `add event: {on, filter, projection}`));
  return findings;
}
