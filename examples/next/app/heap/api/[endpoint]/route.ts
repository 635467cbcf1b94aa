/**
 * The same-origin proxy from the page's heap shim to Local Heap's Track API
 * (HEAP_API_URL): `POST /heap/api/track` and `/heap/api/add_user_properties`.
 * A real site loads heap.js from Heap's CDN and needs none of this. Problems
 * are one JSON line each on stderr (app id redacted), as in examples/web.
 */
import {logLine} from '../../../../../../shared/log.ts';
import {heapApiUrl, heapAppId} from '../../../../lib/heap.ts';

const ENDPOINTS = ['track', 'add_user_properties'];
const MAX_BODY = 64 * 1024;

const log = (fields: Record<string, unknown>) =>
  logLine({component: 'example-next', ...fields}, {secrets: [heapAppId()], write: (line) => console.error(line)});

export async function POST(request: Request, {params}: {params: Promise<{endpoint: string}>}): Promise<Response> {
  const {endpoint} = await params;
  if (!ENDPOINTS.includes(endpoint)) return new Response('not found', {status: 404});
  const body = await request.arrayBuffer();
  if (body.byteLength > MAX_BODY) return new Response(`body over ${MAX_BODY} bytes`, {status: 413});
  const target = new URL(`/api/${endpoint}`, heapApiUrl());
  try {
    const upstream = await fetch(target, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body,
      signal: AbortSignal.timeout(10_000),
      cache: 'no-store',
    });
    const text = await upstream.text();
    if (!upstream.ok)
      log({level: 'warn', msg: 'Local Heap rejected a browser event', endpoint, status: upstream.status, reason: text});
    return new Response(text, {
      status: upstream.status,
      headers: {'content-type': upstream.headers.get('content-type') ?? 'text/plain'},
    });
  } catch (error) {
    log({level: 'error', msg: 'Local Heap unreachable', heap_url: target.origin, endpoint, error});
    return new Response(`Local Heap unreachable at ${target.origin}`, {status: 502});
  }
}
