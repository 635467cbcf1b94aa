/**
 * Both sides of the parity comparison, from real GROQ (groq-js):
 * - server: the function's delta-mode projection, through buildContentEvent;
 * - browser: the page projection, through contentProperties.
 */
import {evaluate, parse} from 'groq-js';
import {contentProperties} from '../../shared/browser.ts';
import {buildContentEvent} from '../../shared/content-event.ts';
import {CONTENT_VIEW_PROJECTION, FUNCTION_PROJECTION} from '../../shared/groq.ts';
import type {HeapProperties} from '../../shared/normalize.ts';
import {DEFAULT_IDENTITY, SERVER_ONLY_PROPERTIES} from '../../shared/tracking-plan.ts';

export interface Doc {
  _id: string;
  _type: string;
  [field: string]: unknown;
}

const RESOURCE_ID = 'parity.production';

/** The subject plus every other document with a different id (for dereferences). */
const datasetFor = (subject: Doc, documents: readonly Doc[]) => [
  subject,
  ...documents.filter((d) => d._id !== subject._id),
];

/** The function's properties for `subject` created (or updated from an older title). */
export async function serverProperties(
  subject: Doc,
  documents: readonly Doc[],
  operation: 'create' | 'update' = 'create',
): Promise<HeapProperties> {
  const before = operation === 'update' ? {...subject, title: 'An older title', _rev: 'rev-before'} : null;
  const tree = parse(`@${FUNCTION_PROJECTION}`, {mode: 'delta'});
  const projected = await (
    await evaluate(tree, {root: subject, before, after: subject, dataset: datasetFor(subject, documents)})
  ).get();
  const result = buildContentEvent({
    operation,
    doc: projected,
    previous: projected?.previous,
    resourceId: RESOURCE_ID,
    identity: DEFAULT_IDENTITY,
    now: new Date('2025-07-01T00:00:00Z'),
  });
  if (!result.ok) throw new Error(`buildContentEvent rejected ${subject._id}: ${result.reason}`);
  return result.event.properties;
}

/** What a page gets with CONTENT_VIEW_PROJECTION, and the browser properties made from it. */
export async function browserProperties(subject: Doc, documents: readonly Doc[]): Promise<HeapProperties> {
  const tree = parse(`*[_id == $id][0]${CONTENT_VIEW_PROJECTION}`);
  const content = await (
    await evaluate(tree, {dataset: datasetFor(subject, documents), params: {id: subject._id}})
  ).get();
  return contentProperties(content);
}

export const withoutServerOnly = (props: HeapProperties): HeapProperties =>
  Object.fromEntries(Object.entries(props).filter(([key]) => !SERVER_ONLY_PROPERTIES.includes(key)));

/** The browser properties a page must send for `subject`, derived from the server side. */
export async function expectedBrowserProperties(subject: Doc, documents: readonly Doc[]): Promise<HeapProperties> {
  return withoutServerOnly(await serverProperties(subject, documents));
}
