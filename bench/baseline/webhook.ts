/**
 * The BASELINE the benchmarks compare against: what most teams write today to
 * get Sanity publishes into Heap, following the pattern of Sanity's webhook
 * guide and Heap's server-side Track guide, written faithfully and on purpose
 * NOT improved:
 *
 * - a GROQ-powered webhook (projection `{_id}`) calls an HTTP route;
 * - the route fetches the document from the Content Lake with @sanity/client
 *   (`*[_id == $id][0]{..., "author": author->name, ...}`: one read per publish);
 * - it posts ONE single-event body to Heap's `/api/track` with fetch: no
 *   retry, no idempotency key, no timeout, no batching, values sent as fetched
 *   (nulls, arrays and over-long strings included);
 * - it answers 200 whatever Heap said (fetch does not throw on a 4xx/5xx), so
 *   Sanity's webhook delivery never retries a lost event.
 *
 * The only concessions to running on loopback: SANITY_API_HOST and
 * HEAP_API_URL may point the two remote calls at local stand-ins. Do not use
 * this code in production: it exists to be measured.
 */
import http from 'node:http';
import {createClient, type SanityClient} from '@sanity/client';

export interface BaselineConfig {
  projectId: string;
  dataset: string;
  token?: string;
  /** Loopback stand-in for the Content Lake (the client then talks to it directly). */
  apiHost?: string;
  heapAppId: string;
  /** Base URL; the route posts to `${heapUrl}/api/track`. */
  heapUrl: string;
}

/** The single-event Track body the route sends. */
export interface BaselineTrackBody {
  app_id: string;
  identity: string;
  event: string;
  timestamp?: string;
  properties: Record<string, unknown>;
}

/** What the route reads per publish: the document with its references resolved. */
export const DOCUMENT_PROJECTION = `{
  _id, _type, _rev, _updatedAt, title, "slug": slug.current, "author": author->name,
  "topics": topics[]->title, locale, campaign, releaseId, experimentKey, publishedAt
}`;
export const DOCUMENT_QUERY = `*[_id == $id][0]${DOCUMENT_PROJECTION}`;

export interface FetchedDocument {
  _id: string;
  _type: string;
  _rev?: string;
  _updatedAt?: string;
  title?: string | null;
  slug?: string | null;
  author?: string | null;
  topics?: string[] | null;
  locale?: string | null;
  campaign?: string | null;
  releaseId?: string | null;
  experimentKey?: string | null;
  publishedAt?: string | null;
}

const EVENT_NAMES: Record<string, string> = {
  create: 'Content Published',
  update: 'Content Updated',
  delete: 'Content Deleted',
};

export function configFromEnv(env: Record<string, string | undefined> = process.env): BaselineConfig {
  return {
    projectId: env.SANITY_PROJECT_ID ?? '',
    dataset: env.SANITY_DATASET ?? 'production',
    token: env.SANITY_API_TOKEN,
    apiHost: env.SANITY_API_HOST,
    heapAppId: env.HEAP_APP_ID ?? '',
    heapUrl: env.HEAP_API_URL ?? 'https://heapanalytics.com',
  };
}

export function sanityClient(config: BaselineConfig): SanityClient {
  return createClient({
    projectId: config.projectId,
    dataset: config.dataset,
    apiVersion: '2025-02-19',
    useCdn: false,
    ...(config.token ? {token: config.token} : {}),
    ...(config.apiHost ? {apiHost: config.apiHost, useProjectHostname: false} : {}),
  });
}

/** The route's mapping: the fetched document as Heap properties, as a typical integration writes it. */
export function mapDocument(doc: FetchedDocument, operation: string, appId: string): BaselineTrackBody {
  return {
    app_id: appId,
    identity: 'system:sanity-content',
    event: EVENT_NAMES[operation] ?? 'Content Published',
    timestamp: doc._updatedAt,
    properties: {
      content_id: doc._id,
      content_type: doc._type,
      slug: doc.slug,
      title: doc.title,
      author: doc.author,
      topics: doc.topics,
      locale: doc.locale,
      campaign: doc.campaign,
      release_id: doc.releaseId,
      experiment_key: doc.experimentKey,
      published_at: doc.publishedAt,
      revision: doc._rev,
    },
  };
}

/** POST one event to Heap: no retry, no timeout, no idempotency key. Returns Heap's status. */
export async function postToHeap(heapUrl: string, body: BaselineTrackBody): Promise<number> {
  const res = await fetch(`${heapUrl}/api/track`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body),
  });
  if (!res.ok) console.error(`Heap track failed: ${res.status}`);
  return res.status;
}

export type PublishResult = {tracked: true; status: number} | {tracked: false; reason: string};

/** The route's work per webhook: fetch the document, map it, post it. */
export function createPublishTracker(config: BaselineConfig, client: SanityClient = sanityClient(config)) {
  return async (id: string, operation: string): Promise<PublishResult> => {
    const doc = await client.fetch<FetchedDocument | null>(DOCUMENT_QUERY, {id});
    if (!doc) return {tracked: false, reason: 'document not found'};
    const status = await postToHeap(config.heapUrl, mapDocument(doc, operation, config.heapAppId));
    return {tracked: true, status};
  };
}

async function readJson(req: http.IncomingMessage): Promise<{_id?: string}> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as {_id?: string};
}

/** The node:http webhook route: body `{_id}` (the webhook's projection), operation in `sanity-operation`. */
export function createWebhookHandler(config: BaselineConfig): http.RequestListener {
  const track = createPublishTracker(config);
  return (req, res) => {
    const run = async (): Promise<void> => {
      const body = await readJson(req);
      const operation = String(req.headers['sanity-operation'] ?? 'create');
      if (body._id) await track(body._id, operation);
      res.writeHead(200, {'content-type': 'text/plain'});
      res.end('ok');
    };
    run().catch((err: unknown) => {
      console.error(err);
      res.writeHead(500);
      res.end('error');
    });
  };
}

export function createWebhookServer(config: BaselineConfig): http.Server {
  return http.createServer(createWebhookHandler(config));
}
