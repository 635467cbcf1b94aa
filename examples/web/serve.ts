/**
 * The example site's server: the single-page app, the bundled browser module,
 * a content API that queries the example dataset with groq-js (the page's query
 * appends CONTENT_VIEW_PROJECTION, as a real page's Sanity query does), and a
 * same-origin proxy from the page's heap shim to Local Heap's Track API.
 *
 *   const site = await startExampleSite({port: 4400, heapUrl: 'http://127.0.0.1:4300', appId: 'local-app'});
 *   // open site.url; await site.close();
 */
import {readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {evaluate, parse} from 'groq-js';
import {buildBrowser} from '../../scripts/build-browser.ts';
import {CONTENT_VIEW_PROJECTION} from '../../shared/groq.ts';
import {logLine} from '../../shared/log.ts';
import {helpRequested} from '../../tools/cli-help.ts';
import {PortError, type PortSetting, portSetting, startOnPort, waitUntilAnswers} from '../../tools/ports.ts';
import {EXAMPLE_DOCUMENTS, type ExampleDocument} from './content.ts';

export interface ExampleSiteOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where Local Heap (or any Heap-compatible Track API) listens, e.g. http://127.0.0.1:4300. */
  heapUrl: string;
  /** The app id the page's snippet loads Heap with. */
  appId: string;
  /** The dataset the page queries; default the example content. */
  documents?: readonly ExampleDocument[];
  /** Where log lines go (one JSON line each); default console.error. */
  log?: (line: string) => void;
}

export interface ExampleSite {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The page's queries: what it renders, plus the analytics fields from the tracking plan. */
export const ARTICLE_QUERY = `*[_type == "article" && slug.current == $slug][0]{title, "paragraphs": string::split(pt::text(body), "\\n\\n"), "analytics": ${CONTENT_VIEW_PROJECTION}}`;
export const ARTICLE_LIST_QUERY = `*[_type == "article" && defined(slug.current)] | order(publishedAt asc){title, "slug": slug.current}`;

const MAX_PROXY_BODY = 64 * 1024;
const SLUG = /^[a-z0-9][a-z0-9-]{0,95}$/;
const HERE = new URL('./', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, HERE), 'utf8');

function validate(options: ExampleSiteOptions): URL {
  if (typeof options.appId !== 'string' || options.appId.trim() === '') {
    throw new TypeError('startExampleSite: appId must be a non-empty string (the Heap app id the page loads)');
  }
  let url: URL;
  try {
    url = new URL(options.heapUrl);
  } catch {
    throw new TypeError(
      `startExampleSite: heapUrl is not a URL: ${JSON.stringify(String(options.heapUrl))} (e.g. http://127.0.0.1:4300)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`startExampleSite: heapUrl must be http(s), got ${url.protocol}`);
  return url;
}

async function query(
  documents: readonly ExampleDocument[],
  groq: string,
  params: Record<string, unknown> = {},
): Promise<unknown> {
  const result = await evaluate(parse(groq), {dataset: documents, params});
  return result.get();
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startExampleSite(options: ExampleSiteOptions): Promise<ExampleSite> {
  const heapUrl = validate(options);
  const {appId, documents = EXAMPLE_DOCUMENTS} = options;
  const write = options.log ?? ((line: string) => console.error(line));
  const log = (fields: Record<string, unknown>) =>
    logLine({component: 'example-site', ...fields}, {secrets: [appId], write});

  const bundle = await buildBrowser({write: false});
  // The app id goes into an inline script: JSON, with `<` escaped so it cannot close the tag.
  const html = read('index.html').replace('__HEAP_APP_ID__', () => JSON.stringify(appId).replaceAll('<', '\\u003c'));
  const files: Record<string, {type: string; body: string}> = {
    '/app.js': {type: 'text/javascript', body: read('app.js')},
    '/heap-shim.js': {type: 'text/javascript', body: read('heap-shim.js')},
    '/sanity-heap.js': {type: 'text/javascript', body: bundle.code},
  };

  const send = (res: http.ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store'});
    res.end(body);
  };
  const json = (res: http.ServerResponse, status: number, value: unknown) =>
    send(res, status, 'application/json', JSON.stringify(value));

  async function proxy(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const body = await readBody(req, MAX_PROXY_BODY);
    if (!body) return send(res, 413, 'text/plain', `body over ${MAX_PROXY_BODY} bytes`);
    const target = new URL(path, heapUrl);
    try {
      const upstream = await fetch(target, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await upstream.text();
      if (!upstream.ok)
        log({level: 'warn', msg: 'Local Heap rejected a browser event', path, status: upstream.status, reason: text});
      send(res, upstream.status, upstream.headers.get('content-type')?.split(';')[0] ?? 'text/plain', text);
    } catch (error) {
      log({level: 'error', msg: 'Local Heap unreachable', heap_url: heapUrl.origin, path, error});
      send(res, 502, 'text/plain', `Local Heap unreachable at ${heapUrl.origin}`);
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const {pathname} = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && /^\/heap\/api\/(track|add_user_properties)$/.test(pathname)) {
      return proxy(req, res, pathname.slice('/heap'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    if (pathname === '/' || pathname.startsWith('/articles/')) return send(res, 200, 'text/html', html);
    const file = files[pathname];
    if (file) return send(res, 200, file.type, file.body);
    if (pathname === '/api/articles') return json(res, 200, await query(documents, ARTICLE_LIST_QUERY));
    const match = pathname.match(/^\/api\/articles\/([^/]+)$/);
    if (match) {
      const slug = match[1] ?? '';
      if (!SLUG.test(slug)) return json(res, 400, {error: 'slug: lowercase letters, digits and dashes'});
      const article = await query(documents, ARTICLE_QUERY, {slug});
      return article ? json(res, 200, article) : json(res, 404, {error: `no article with slug ${slug}`});
    }
    send(res, 404, 'text/plain', 'not found');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log({level: 'error', msg: 'request failed', path: req.url, error});
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
      else res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export const PORT_VARIABLE = 'EXAMPLE_SITE_PORT';
export const DEFAULT_PORT = 5173;
const SERVICE = 'Example website';

/** Whether an /api/articles answer is this site's (a list of articles with slugs). */
export function isExampleSite(body: string): boolean {
  try {
    const list = JSON.parse(body) as unknown;
    return Array.isArray(list) && list.every((a) => typeof (a as {slug?: unknown}).slug === 'string');
  } catch {
    return false;
  }
}

/** Start the site under the port rule of tools/ports.ts and resolve once it answers as this site. */
export async function startExampleSiteOnPort(
  options: Omit<ExampleSiteOptions, 'port'> & {setting: PortSetting; note: (line: string) => void},
): Promise<ExampleSite> {
  const host = options.host ?? '127.0.0.1';
  const site = await startOnPort(
    options.setting,
    SERVICE,
    host,
    (port) => startExampleSite({...options, port, host}),
    options.note,
  );
  await waitUntilAnswers(`${site.url}/api/articles`, isExampleSite);
  return site;
}

export const USAGE = `npm run example:web

Serves the example website against a running Local Heap (npm run heap:local) and prints its URL.
Environment: ${PORT_VARIABLE} (${DEFAULT_PORT}; 0 = any free port), HEAP_API_URL (http://127.0.0.1:4300),
HEAP_APP_ID (1000000001).`;

/** `npm run example:web`: the site on EXAMPLE_SITE_PORT against HEAP_API_URL (Local Heap on 4300). */
async function main(): Promise<void> {
  if (helpRequested(USAGE)) return;
  const site = await startExampleSiteOnPort({
    setting: portSetting(PORT_VARIABLE, DEFAULT_PORT),
    note: (line) => console.log(line),
    heapUrl: process.env.HEAP_API_URL || 'http://127.0.0.1:4300',
    appId: process.env.HEAP_APP_ID || '1000000001',
  });
  console.log(
    `Example website: ${site.url} (browser events go to ${process.env.HEAP_API_URL || 'http://127.0.0.1:4300'})`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void site.close().then(() => process.exit(0)));
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error instanceof PortError ? error.message : `example:web failed: ${String(error)}`);
    process.exit(error instanceof PortError ? 2 : 1);
  });
}
