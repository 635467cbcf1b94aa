/**
 * The @sanity/client the backfill reads with, from the validated target
 * (SANITY_PROJECT_ID, SANITY_DATASET, SANITY_API_TOKEN, SANITY_API_HOST).
 * Its errors are rewritten to name the host and what to check (a bare
 * `fetch failed` helps nobody).
 */
import {createClient} from '@sanity/client';
import type {SanityTarget} from './options.ts';
import type {QueryClient} from './reader.ts';

/** The Sanity API version the backfill's queries are written for. */
export const SANITY_API_VERSION = '2025-02-19';
/** Tags every query, so the backfill is recognisable in Sanity's request logs. */
export const REQUEST_TAG = 'heap-backfill';

/** Sanity could not answer a query: the message names the host and what to check. */
export class SanityError extends Error {
  name = 'SanityError';
}

/** The host queries go to. */
export function sanityHost(target: SanityTarget): string {
  return target.apiHost ? new URL(target.apiHost).host : `${target.projectId}.api.sanity.io`;
}

/** What went wrong with a query, for a person: host, status or network cause, and what to check. */
export function describeSanityError(err: unknown, target: SanityTarget): string {
  const host = sanityHost(target);
  const e = err as {statusCode?: unknown; message?: unknown; cause?: {code?: unknown; message?: unknown}};
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const hostVar = target.apiHost ? 'SANITY_API_HOST' : 'SANITY_PROJECT_ID';
  if (typeof e?.statusCode === 'number') {
    const status = e.statusCode;
    // @sanity/client puts the whole URL (with the query) before a non-JSON body: keep the answer only.
    const detail = message.replace(/^[A-Z]+-request to \S+ resulted in /, '');
    const check =
      status === 401
        ? `check SANITY_API_TOKEN: ${target.token ? 'it is not a valid token for' : 'none is set, and the dataset is private in'} project ${target.projectId}`
        : status === 403
          ? `check SANITY_API_TOKEN: it needs read access (Viewer) to dataset ${target.dataset} of project ${target.projectId}`
          : status === 404
            ? `check SANITY_PROJECT_ID (${target.projectId}) and SANITY_DATASET (${target.dataset})${target.apiHost ? ` and SANITY_API_HOST (${target.apiHost})` : ''}`
            : status >= 500
              ? `Sanity${target.apiHost ? ' (or the proxy at SANITY_API_HOST)' : ''} failed; try again later with --resume`
              : 'the query was refused; please report this with the message';
    return `Sanity answered ${status} at ${host} (${detail}): ${check}`;
  }
  const cause = e?.cause;
  const why = [cause?.code, cause?.message].filter((x): x is string => typeof x === 'string').join(': ') || message;
  return `cannot reach Sanity at ${host} (${message}${why === message ? '' : `: ${why}`}): check your network connection or proxy, and ${hostVar}${target.apiHost ? ` (${target.apiHost})` : ` (${target.projectId})`}`;
}

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
    fetch: async <R>(query: string, params: Record<string, unknown>) => {
      try {
        return await client.fetch<R>(query, params, {tag: REQUEST_TAG});
      } catch (err) {
        throw new SanityError(describeSanityError(err, target));
      }
    },
  };
}
