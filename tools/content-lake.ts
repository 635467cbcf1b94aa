/**
 * A Content Lake stand-in for tests and benchmarks: a node:http server on
 * 127.0.0.1 answering @sanity/client's query endpoint
 * (`GET|POST /v{apiVersion}/data/query/{dataset}`) by evaluating the GROQ with
 * groq-js over an in-memory dataset.
 *
 * Point @sanity/client at it with `apiHost: lake.url, useProjectHostname: false`
 * (the backfill: `SANITY_API_HOST=lake.url`). Supports `$params` (query string
 * `$name=<json>` or the POST body's `params`), the `perspective` parameter
 * (`raw`, or `published`: no `drafts.`/`versions.` documents; the default for
 * API versions from 2025-02-19 on, as on Sanity), an optional token, an added
 * latency per request and a request counter.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {evaluate, parse} from 'groq-js';
import {TRACKED_TYPES} from '../shared/tracking-plan.ts';

export interface LakeDocument {
  _id: string;
  _type: string;
  [key: string]: unknown;
}

export interface ContentLakeOptions {
  documents: readonly LakeDocument[];
  /** Added to every answer (ms). */
  latencyMs?: number;
  /** When set, requests must carry this project id (the `X-Sanity-Project-ID` header the client sends with useProjectHostname: false). */
  projectId?: string;
  /** When set, only this dataset exists. */
  dataset?: string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * When set, no request is answered until this many have arrived; then all are answered at once
   * (a barrier: two clients started one after the other begin at the same moment).
   */
  answerAfter?: number;
}

export interface LakeQuery {
  method: string;
  query: string;
  params: Record<string, unknown>;
  perspective: string;
}

export interface ContentLake {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the client's `apiHost`). */
  url: string;
  /** Requests received (all paths). */
  requests(): number;
  /** The queries evaluated, oldest first (the last 1000). */
  queries(): LakeQuery[];
  close(): Promise<void>;
}

const QUERY_PATH = /^\/v([^/]+)\/data\/query\/([^/]+)\/?$/;
const MAX_LOGGED = 1000;
const isUnpublished = (id: string): boolean => id.startsWith('drafts.') || id.startsWith('versions.');

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function errorBody(
  status: number,
  description: string,
  type = 'httpError',
): {error: {description: string; type: string}; statusCode: number} {
  return {error: {description, type}, statusCode: status};
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startContentLake(o: ContentLakeOptions): Promise<ContentLake> {
  const all = [...o.documents];
  const published = all.filter((d) => !isUnpublished(d._id));
  const byId = new Map(all.map((d) => [d._id, d]));
  let requests = 0;
  const log: LakeQuery[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  if (!o.answerAfter) open();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    requests += 1;
    if (o.answerAfter && requests >= o.answerAfter) open();
    await gate;
    if (o.latencyMs) await new Promise((r) => setTimeout(r, o.latencyMs));
    const url = new URL(req.url ?? '/', 'http://lake');
    const m = QUERY_PATH.exec(url.pathname);
    if (!m)
      return sendJson(
        res,
        404,
        errorBody(404, `not found: ${url.pathname} (the stand-in serves /v{apiVersion}/data/query/{dataset})`),
      );
    const [, apiVersion, dataset] = m as unknown as [string, string, string];
    if (o.projectId !== undefined && req.headers['x-sanity-project-id'] !== o.projectId) {
      return sendJson(
        res,
        404,
        errorBody(
          404,
          `project not found: ${String(req.headers['x-sanity-project-id'] ?? '(no X-Sanity-Project-ID header)')}`,
        ),
      );
    }
    if (o.dataset !== undefined && decodeURIComponent(dataset) !== o.dataset) {
      return sendJson(res, 404, errorBody(404, `dataset "${decodeURIComponent(dataset)}" not found`));
    }
    if (o.token !== undefined && req.headers.authorization !== `Bearer ${o.token}`) {
      return sendJson(res, 401, errorBody(401, 'unauthorized: session not found', 'unauthorized'));
    }

    let query: string | undefined;
    let params: Record<string, unknown> = {};
    try {
      if (req.method === 'GET') {
        query = url.searchParams.get('query') ?? undefined;
        for (const [key, value] of url.searchParams) if (key.startsWith('$')) params[key.slice(1)] = JSON.parse(value);
      } else if (req.method === 'POST') {
        const body = JSON.parse(await readBody(req)) as {query?: unknown; params?: unknown};
        query = typeof body.query === 'string' ? body.query : undefined;
        if (body.params && typeof body.params === 'object') params = body.params as Record<string, unknown>;
      } else {
        return sendJson(res, 405, errorBody(405, `method ${req.method} not allowed`));
      }
    } catch {
      return sendJson(res, 400, errorBody(400, 'invalid JSON in a parameter or the body', 'queryParseError'));
    }
    if (!query) return sendJson(res, 400, errorBody(400, 'missing query', 'queryParseError'));

    const perspective = url.searchParams.get('perspective') ?? (apiVersion >= '2025-02-19' ? 'published' : 'raw');
    if (perspective !== 'raw' && perspective !== 'published') {
      return sendJson(
        res,
        400,
        errorBody(400, `perspective "${perspective}" is not supported by the stand-in (raw, published)`),
      );
    }
    if (log.length >= MAX_LOGGED) log.shift();
    log.push({method: req.method, query, params, perspective});

    const started = performance.now();
    let tree: ReturnType<typeof parse>;
    try {
      tree = parse(query, {params});
    } catch (err) {
      return sendJson(res, 400, {
        ...errorBody(400, err instanceof Error ? err.message : String(err), 'queryParseError'),
        query,
      });
    }
    const dataset_ = perspective === 'raw' ? all : published;
    const value = await evaluate(tree, {dataset: dataset_, params, dereference: ({_ref}) => byId.get(_ref) ?? null});
    const result = await value.get();
    sendJson(res, 200, {query, result, ms: Math.round(performance.now() - started)});
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, errorBody(500, `stand-in error: ${err instanceof Error ? err.message : String(err)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    queries: () => [...log],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same dataset. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  seed: number;
  /** Types of the published documents (default: the tracking plan's). */
  types?: readonly string[];
}

const LOCALES = ['en', 'en-GB', 'de', 'fr-CA', 'ja'];
const WORDS = [
  'pricing',
  'guide',
  'launch',
  'release',
  'api',
  'content',
  'heap',
  'sanity',
  'analytics',
  'über',
  'café',
  '日本語',
  'emoji 🎉',
];

/**
 * `n` published documents of the tracked types, plus what a real dataset also
 * holds and a backfill must skip or only dereference: authors and topics
 * (other types), a settings singleton, drafts of some published documents and
 * drafts that were never published, release versions (`versions.<release>.<id>`).
 * Some published documents lack `publishedAt` (the timestamp falls back to
 * `_createdAt`), some have a title over Heap's 1024-character limit.
 * Deterministic for a seed.
 */
export function generateDataset(n: number, o: GenerateOptions): LakeDocument[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const random = seededRandom(o.seed);
  const types = o.types ?? TRACKED_TYPES;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const hex = (len: number): string => Array.from({length: len}, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const rev = (): string => hex(22);
  const base = Date.UTC(2019, 0, 1);
  const date = (from: number, spanDays: number): string =>
    new Date(from + Math.floor(random() * spanDays * 86_400_000)).toISOString().replace('.000Z', 'Z');

  const docs: LakeDocument[] = [];
  const authors = Array.from({length: Math.max(3, Math.ceil(n / 50))}, (_, i) => ({
    _id: `author-${i}`,
    _type: 'author',
    _rev: rev(),
    name: `Author ${i} ${pick(WORDS)}`,
  }));
  const topics = Array.from({length: 20}, (_, i) => ({
    _id: `topic-${i}`,
    _type: 'topic',
    _rev: rev(),
    title: `Topic ${i} ${pick(WORDS)}`,
  }));
  docs.push(...authors, ...topics, {_id: 'siteSettings', _type: 'siteSettings', _rev: rev(), title: 'Settings'});

  for (let i = 0; i < n; i++) {
    const id = uuid();
    const type = pick(types);
    const createdAt = date(base, 5 * 365);
    const title = random() < 0.01 ? `Long ${'x'.repeat(1500)}` : `${pick(WORDS)} ${pick(WORDS)} ${i}`;
    const doc: LakeDocument = {
      _id: id,
      _type: type,
      _rev: rev(),
      _createdAt: createdAt,
      _updatedAt: date(Date.parse(createdAt), 200),
      title,
      slug: {_type: 'slug', current: `${type.toLowerCase()}-${i}`},
      locale: pick(LOCALES),
    };
    if (random() < 0.85) doc.author = {_type: 'reference', _ref: pick(authors)._id};
    const topicCount = Math.floor(random() * 4);
    if (topicCount > 0)
      doc.topics = Array.from({length: topicCount}, (_, k) => ({
        _type: 'reference',
        _key: `k${k}`,
        _ref: pick(topics)._id,
      }));
    if (random() < 0.8) doc.publishedAt = date(Date.parse(createdAt), 30);
    if (random() < 0.3) doc.campaign = `campaign-${Math.floor(random() * 10)}`;
    if (random() < 0.1) doc.experimentKey = `exp-${Math.floor(random() * 5)}`;
    docs.push(doc);
    const r = random();
    if (r < 0.2) docs.push({...doc, _id: `drafts.${id}`, _rev: rev(), title: `${title} (draft)`});
    else if (r < 0.3)
      docs.push({...doc, _id: `versions.r${Math.floor(random() * 3)}.${id}`, _rev: rev(), title: `${title} (release)`});
  }
  // Never published: a draft and a release version without a published document.
  const unpublished = Math.ceil(n * 0.05);
  for (let i = 0; i < unpublished; i++) {
    const type = pick(types);
    docs.push({
      _id: `drafts.${uuid()}`,
      _type: type,
      _rev: rev(),
      _createdAt: date(base, 5 * 365),
      title: `Unpublished draft ${i}`,
    });
    docs.push({
      _id: `versions.r9.${uuid()}`,
      _type: type,
      _rev: rev(),
      _createdAt: date(base, 5 * 365),
      title: `Unreleased ${i}`,
    });
  }
  return docs;
}

/** The ids a backfill of `types` must deliver: published documents of those types. */
export function publishedIds(documents: readonly LakeDocument[], types: readonly string[] = TRACKED_TYPES): string[] {
  return documents.filter((d) => types.includes(d._type) && !isUnpublished(d._id)).map((d) => d._id);
}
