/**
 * Inputs shared by the benchmarks: a generated dataset (the Content Lake
 * stand-in's generator), and the same documents as each side receives them:
 * ours as the blueprint's projection gives them to the handler (computed with
 * groq-js from shared/groq.ts), the baseline as its own query returns them.
 */
import type {FunctionContext} from '@sanity/functions';
import {evaluate, parse} from 'groq-js';
import {BACKFILL_PROJECTION} from '../shared/groq.ts';
import {isUnpublishedId} from '../shared/normalize.ts';
import {TRACKED_TYPES} from '../shared/tracking-plan.ts';
import {generateDataset, type LakeDocument} from '../tools/content-lake.ts';
import {DOCUMENT_PROJECTION, type FetchedDocument} from './baseline/webhook.ts';

export const PROJECT_ID = 'bench';
export const DATASET = 'production';
export const APP_ID = '3141592653';
export const RESOURCE_ID = `${PROJECT_ID}.${DATASET}`;

/** The context Sanity passes to a deployed function (no token needed: the function never reads Sanity). */
export const FUNCTION_CONTEXT = {
  eventResourceType: 'dataset',
  eventResourceId: RESOURCE_ID,
  functionResourceType: 'project',
  functionResourceId: PROJECT_ID,
  clientOptions: {projectId: PROJECT_ID, dataset: DATASET, apiHost: 'https://api.sanity.io'},
} as unknown as FunctionContext;

export interface BenchDataset {
  all: LakeDocument[];
  /** Published documents of the tracked types, in generation order. */
  published: LakeDocument[];
}

/**
 * `n` published documents plus what they reference. Titles over Heap's limit
 * are left out when `shortTitles` (the latency and burst benchmarks measure
 * time and rate limits, not the baseline's 400s on long values).
 */
export function benchDataset(
  n: number,
  seed: number,
  o: {shortTitles?: boolean; publishedOnly?: boolean} = {},
): BenchDataset {
  let all = generateDataset(n, {seed});
  if (o.shortTitles) all = all.filter((d) => typeof d.title !== 'string' || d.title.length < 1000);
  if (o.publishedOnly) all = all.filter((d) => !isUnpublishedId(d._id));
  const tracked: readonly string[] = TRACKED_TYPES;
  const published = all.filter((d) => tracked.includes(d._type) && !isUnpublishedId(d._id));
  return {all, published};
}

async function project<T>(all: readonly LakeDocument[], ids: readonly string[], projection: string): Promise<T[]> {
  const byId = new Map(all.map((d) => [d._id, d]));
  const params = {ids: [...ids]};
  const tree = parse(`*[_id in $ids]${projection}`, {params});
  const value = await evaluate(tree, {dataset: [...all], params, dereference: ({_ref}) => byId.get(_ref) ?? null});
  const rows = (await value.get()) as (T & {_id: string})[];
  const order = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => order.get(a._id)! - order.get(b._id)!);
}

/** event.data for a first publish of each document: what the blueprint's projection gives the handler. */
export async function functionEventData(
  all: readonly LakeDocument[],
  ids: readonly string[],
): Promise<Record<string, unknown>[]> {
  const docs = await project<Record<string, unknown>>(all, ids, BACKFILL_PROJECTION);
  return docs.map((d) => ({operation: 'create', ...d, previous: null}));
}

/** What the baseline's `client.fetch` returns for each document. */
export function baselineDocuments(all: readonly LakeDocument[], ids: readonly string[]): Promise<FetchedDocument[]> {
  return project<FetchedDocument>(all, ids, DOCUMENT_PROJECTION);
}

/** A copy of `data` as a later revision (a distinct event with its own idempotency key). */
export function revision<T extends Record<string, unknown>>(data: T, rev: string): T {
  return 'revision' in data ? {...data, _rev: rev, revision: rev} : {...data, _rev: rev};
}

export const noop = (): void => {};
