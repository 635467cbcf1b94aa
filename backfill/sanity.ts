/**
 * The @sanity/client the backfill reads with, from the validated target
 * (SANITY_PROJECT_ID, SANITY_DATASET, SANITY_API_TOKEN, SANITY_API_HOST).
 */
import {createClient} from '@sanity/client';
import type {SanityTarget} from './options.ts';
import type {QueryClient} from './reader.ts';

/** The Sanity API version the backfill's queries are written for. */
export const SANITY_API_VERSION = '2025-02-19';
/** Tags every query, so the backfill is recognisable in Sanity's request logs. */
export const REQUEST_TAG = 'heap-backfill';

export function backfillClient(target: SanityTarget): QueryClient {
  const {projectId, dataset, token, apiHost} = target;
  const client = createClient({
    projectId,
    dataset,
    apiVersion: SANITY_API_VERSION,
    useCdn: false,
    // Raw: the filter itself excludes drafts and release versions, whatever the API's default perspective.
    perspective: 'raw',
    ...(token ? {token} : {}),
    // A custom host is addressed directly; the project id travels in the X-Sanity-Project-ID header.
    ...(apiHost ? {apiHost, useProjectHostname: false} : {}),
  });
  return {
    fetch: <R>(query: string, params: Record<string, unknown>) => client.fetch<R>(query, params, {tag: REQUEST_TAG}),
  };
}
