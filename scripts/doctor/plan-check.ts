/**
 * The tracking plan, checked against Heap's limits and Sanity's GROQ rules:
 * event names, property names (snake_case, unique, short enough for the
 * browser SDK), length limits below Heap's 1024, and every generated query
 * parsing the way Sanity parses it (delta mode for the function's rule).
 */
import {BACKFILL_PROJECTION, FUNCTION_PROJECTION, functionFilter, PAGE_PROJECTION} from '../../shared/groq.ts';
import {MAX_BROWSER_KEY_LENGTH, MAX_EVENT_NAME, MAX_PROPERTY_LENGTH} from '../../shared/heap-rules.ts';
import {PROPERTY_KEY} from '../../shared/normalize.ts';
import {
  EVENTS,
  PROPERTIES,
  type PropertySpec,
  SERVER_CONTEXT_PROPERTIES,
  TRACKED_TYPES,
} from '../../shared/tracking-plan.ts';
import {type Finding, problem} from './finding.ts';
import {checkFunctionRule, forbiddenInFunctions, tryParse} from './groq-ast.ts';

/** A generated query: a Sanity Function rule (filter + projection, delta mode) or a projection (normal mode). */
export type PlanQuery =
  | {name: string; kind: 'function-rule'; filter: string; projection: string}
  | {name: string; kind: 'projection'; projection: string};

export interface PlanInput {
  trackedTypes: readonly string[];
  events: Readonly<Record<string, string>>;
  properties: readonly PropertySpec[];
  serverContextProperties: readonly string[];
  queries: readonly PlanQuery[];
}

export const PLAN: PlanInput = {
  trackedTypes: TRACKED_TYPES,
  events: EVENTS,
  properties: PROPERTIES,
  serverContextProperties: SERVER_CONTEXT_PROPERTIES,
  queries: [
    {name: 'function rule', kind: 'function-rule', filter: functionFilter(), projection: FUNCTION_PROJECTION},
    {name: 'page projection', kind: 'projection', projection: PAGE_PROJECTION},
    {name: 'backfill projection', kind: 'projection', projection: BACKFILL_PROJECTION},
  ],
};

const PLAN_FILE = 'shared/tracking-plan.ts';
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

function checkEvents(events: PlanInput['events']): Finding[] {
  const findings: Finding[] = [];
  for (const [key, name] of Object.entries(events)) {
    if (typeof name !== 'string' || name.trim() === '') {
      findings.push(problem('plan', `EVENTS.${key} is empty`, `give it a name in ${PLAN_FILE}`));
      continue;
    }
    if (name !== name.trim()) {
      findings.push(
        problem(
          'plan',
          `EVENTS.${key} ${show(name)} has leading or trailing spaces (Heap would count it as a different event)`,
          `trim it in ${PLAN_FILE}`,
        ),
      );
    }
    if (name.length > MAX_EVENT_NAME) {
      findings.push(
        problem(
          'plan',
          `EVENTS.${key} is ${name.length} characters; Heap's browser SDK allows ${MAX_EVENT_NAME}`,
          `shorten it in ${PLAN_FILE}`,
        ),
      );
    }
  }
  for (const name of duplicates(Object.values(events))) {
    findings.push(
      problem(
        'plan',
        `event name ${show(name)} is used for more than one EVENTS entry`,
        `make each name unique in ${PLAN_FILE}`,
      ),
    );
  }
  return findings;
}

function checkProperty(spec: PropertySpec): Finding[] {
  const findings: Finding[] = [];
  const {name} = spec;
  if (!PROPERTY_KEY.test(name)) {
    findings.push(
      problem(
        'plan',
        `property ${show(name)} is not snake_case (${PROPERTY_KEY})`,
        `rename it, e.g. ${show(snakeCase(name))}, in ${PLAN_FILE}`,
      ),
    );
  }
  if (name.length >= MAX_BROWSER_KEY_LENGTH) {
    findings.push(
      problem(
        'plan',
        `property ${show(name.slice(0, 40))}… is ${name.length} characters; keys must be under ${MAX_BROWSER_KEY_LENGTH}`,
        'shorten it',
      ),
    );
  }
  if (!Number.isInteger(spec.maxLength) || spec.maxLength < 1 || spec.maxLength >= MAX_PROPERTY_LENGTH) {
    findings.push(
      problem(
        'plan',
        `property ${show(name)} has maxLength ${spec.maxLength}; Heap keeps values under ${MAX_PROPERTY_LENGTH} characters`,
        `use a whole number from 1 to ${MAX_PROPERTY_LENGTH - 1} in ${PLAN_FILE}`,
      ),
    );
  }
  // The default source and every per-type source.
  for (const groq of [spec.groq, ...Object.values(spec.byType ?? {})]) {
    const parsed = tryParse(groq);
    if (!parsed.ok) {
      findings.push(
        problem(
          'plan',
          `property ${show(name)}: GROQ ${show(groq)} does not parse: ${parsed.error}`,
          `fix its groq in ${PLAN_FILE}`,
        ),
      );
      continue;
    }
    for (const what of forbiddenInFunctions(parsed.ast)) {
      findings.push(
        problem(
          'plan',
          `property ${show(name)}: GROQ ${show(groq)} uses ${what}, which Sanity Functions do not allow`,
          `read a field or a reference (->) instead`,
        ),
      );
    }
  }
  return findings;
}

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

function checkQuery(q: PlanQuery): Finding[] {
  const where = `fix the property sources in ${PLAN_FILE} or shared/groq.ts`;
  if (q.kind === 'projection') {
    const parsed = tryParse(`*${q.projection}`);
    return parsed.ok ? [] : [problem('plan', `the generated ${q.name} does not parse as GROQ: ${parsed.error}`, where)];
  }
  const rule = checkFunctionRule(q.filter, q.projection);
  if (!rule.ok)
    return [problem('plan', `the generated ${q.name} does not parse as GROQ in delta mode: ${rule.error}`, where)];
  return rule.forbidden.map((what) =>
    problem('plan', `the generated ${q.name} uses ${what}, which Sanity Functions do not allow`, where),
  );
}

export function checkPlan(plan: PlanInput = PLAN): Finding[] {
  const findings: Finding[] = [];
  if (plan.trackedTypes.length === 0) {
    findings.push(
      problem(
        'plan',
        'TRACKED_TYPES is empty: no document would ever become an event',
        `list the document types in ${PLAN_FILE}`,
      ),
    );
  }
  for (const type of duplicates(plan.trackedTypes)) {
    findings.push(problem('plan', `TRACKED_TYPES lists ${show(type)} twice`, `remove the duplicate in ${PLAN_FILE}`));
  }
  findings.push(...checkEvents(plan.events));
  for (const spec of plan.properties) {
    findings.push(...checkProperty(spec));
    // A per-type source under a name that is not tracked would silently never apply.
    for (const type of Object.keys(spec.byType ?? {}).filter((t) => !plan.trackedTypes.includes(t))) {
      findings.push(
        problem(
          'plan',
          `property ${show(spec.name)} has a source for ${show(type)}, which is not in TRACKED_TYPES`,
          `fix the type name in its byType, or track ${show(type)}, in ${PLAN_FILE}`,
        ),
      );
    }
  }
  const names = [...plan.properties.map((p) => p.name), ...plan.serverContextProperties];
  for (const name of duplicates(names)) {
    findings.push(
      problem(
        'plan',
        `property name ${show(name)} is used twice (plan properties and server context properties share one namespace)`,
        `rename one in ${PLAN_FILE}`,
      ),
    );
  }
  for (const q of plan.queries) findings.push(...checkQuery(q));
  return findings;
}
