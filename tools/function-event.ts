/**
 * What the function receives as event.data, computed the way Sanity does it:
 * the blueprint's filter and projection, evaluated by groq-js in delta mode over
 * the changed document (plus referenced documents, so dereferences resolve),
 * with before()/after() set. The same evaluation the local CLI performs.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {type ExprNode, evaluate, parse} from 'groq-js';
import blueprint from '../sanity.blueprint.ts';
import {REPO_ROOT} from './sanity-cli.ts';

export type Doc = Record<string, unknown>;

export function fixture(name: string): Doc {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', name), 'utf8')) as Doc;
}

/** The referenced documents the article fixtures point at (author, topics). */
export function referencedFixtures(): Doc[] {
  return ['author.json', 'topic-analytics.json', 'topic-content-ops.json'].map(fixture);
}

let rule: ExprNode | undefined;

/** The blueprint's `*[filter]projection`, parsed in delta mode once (a burst test projects hundreds of changes). */
function functionRule(): ExprNode {
  if (rule) return rule;
  const resource = blueprint().resources?.[0] as {event?: {filter?: string; projection?: string}} | undefined;
  const {filter, projection} = resource?.event ?? {};
  if (!filter || !projection) throw new Error('the blueprint has no filter/projection');
  rule = parse(`*[${filter}]${projection}`, {mode: 'delta'});
  return rule;
}

/**
 * event.data for a change from `before` to `after` (null = absent), or undefined when the filter drops it.
 * `rule`: another blueprint's filter and projection (default: this repository's).
 */
export async function projectChange(
  before: Doc | null,
  after: Doc | null,
  references: Doc[] = referencedFixtures(),
  rule?: {filter: string; projection: string},
): Promise<Doc | undefined> {
  const tree = rule ? parse(`*[${rule.filter}]${rule.projection}`, {mode: 'delta'}) : functionRule();
  // After a delete the changed document itself is empty (`@` is {}), as on Sanity and in the CLI.
  const result = await (await evaluate(tree, {dataset: [after ?? {}, ...references], before, after})).get();
  return (result as Doc[])[0];
}
