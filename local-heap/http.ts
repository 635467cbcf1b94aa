/**
 * Local Heap: the HTTP plumbing every route module shares. A request's context (for its log
 * line), plain-text and JSON answers, a bounded body reader, and the route table's shape.
 */
import type http from 'node:http';

/** One request, as its log line will describe it. */
export interface RequestContext {
  id: string;
  receivedAt: string;
  started: number;
  method: string;
  path: string;
  detail: string;
  /** Set when a delay fault let the request through: kept in its log line. */
  delayed?: number;
  logged: boolean;
}

export type Handler = (ctx: RequestContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL) => unknown;

/** One path: the methods it answers, and what it does. */
export interface Route {
  methods: string[];
  run: Handler;
}

export type Routes = Record<string, Route>;

/** A body far over the limit: the connection is closed instead of answered. */
export class BodyError extends Error {}

export interface Body {
  buffer: Buffer;
  tooLarge: boolean;
  bytes: number;
}

export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  return value.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** Local wall-clock time, HH:MM:SS.mmm, for log lines. */
export function clock(d = new Date()): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** At most `max` characters of `s` (for reasons and log lines). */
export function short(s: string, max = 140): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
  contentType = 'text/plain; charset=utf-8',
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers});
  res.end(body);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, `${JSON.stringify(value, null, 2)}\n`, headers, 'application/json; charset=utf-8');
}

/** Read a body, keeping at most `maxBytes` (beyond that `tooLarge`; far beyond, the connection is closed). */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > maxBytes;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      // Drain what a client sends after the limit (so it can read the 413), within reason.
      else if (bytes > maxBytes * 4 + 1_000_000) req.destroy(new BodyError('body far too large'));
    });
    req.on('end', () => resolve({buffer: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge, bytes}));
    req.on('error', reject);
  });
}
