/**
 * The baseline's backfill, in a fresh process: what a team without one writes
 * as a one-off script: fetch every document of the tracked types in ONE query
 * (the published perspective leaves drafts out), then loop over them posting
 * one single-shape event each with the baseline's own mapping and post: no
 * pacing, no retry, no checkpoint. `BENCH_LIMIT` bounds how many it posts.
 * Prints one JSON line: posted, statuses, wall time, peak RSS.
 */
import {TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {
  configFromEnv,
  DOCUMENT_PROJECTION,
  type FetchedDocument,
  mapDocument,
  postToHeap,
  sanityClient,
} from '../baseline/webhook.ts';
import {peakRssKb} from './peak-rss.ts';

const config = configFromEnv();
const client = sanityClient(config);
const limit = Number(process.env.BENCH_LIMIT ?? Number.POSITIVE_INFINITY);
console.error = () => {}; // postToHeap logs one line per refused event
const started = performance.now();
const docs = await client.fetch<FetchedDocument[]>(
  `*[_type in ${JSON.stringify(TRACKED_TYPES)}]${DOCUMENT_PROJECTION}`,
);
const fetchedMs = performance.now() - started;
const statuses: Record<string, number> = {};
let posted = 0;
const postStarted = performance.now();
for (const doc of docs.slice(0, limit)) {
  const status = await postToHeap(config.heapUrl, mapDocument(doc, 'create', config.heapAppId)).catch(() => 0);
  statuses[status] = (statuses[status] ?? 0) + 1;
  posted += 1;
}
const postMs = performance.now() - postStarted;
process.stdout.write(
  `${JSON.stringify({fetched: docs.length, posted, statuses, fetchedMs, postMs, elapsedMs: performance.now() - started, peakRssKb: peakRssKb()})}\n`,
);
