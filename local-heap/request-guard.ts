/**
 * Local Heap: who may talk to it. Local Heap holds unredacted app ids and lets anyone queue
 * faults or wipe its store, so it answers only requests that cannot come from a web page on
 * another origin or through a rebinding DNS name:
 *
 * - `Host` must name a loopback address (`127.0.0.1`, `localhost`, `[::1]`, any port) or the
 *   address given with `--host`: a DNS-rebinding page sends its own name and is refused.
 * - An `Origin` header, when present, must be Local Heap's own origin (`http://` + `Host`): the live
 *   view's requests pass, a page on any other origin (another localhost port included) is refused.
 * - Requests that change state under `/api/local/` (POST, DELETE) must send
 *   `content-type: application/json`, which a page can only send cross-origin after a CORS
 *   preflight that Local Heap never grants.
 *
 * Pure: headers in, a refusal (status and plain-text reason) or undefined out.
 */
import {isJsonContentType, short} from './http.ts';

export interface Refusal {
  status: number;
  reason: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const CONTROL_PREFIX = '/api/local/';
const READ_METHODS = new Set(['GET', 'HEAD']);

/** The host names Local Heap answers when bound to `bindHost`: the loopback names and `bindHost`. */
export function allowedHostNames(bindHost: string): Set<string> {
  const own = bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost;
  return new Set([...LOOPBACK_NAMES, own.toLowerCase()]);
}

/** The name part of a Host header (`[::1]:4300` → `[::1]`, `Localhost:80` → `localhost`); undefined if malformed. */
export function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

export interface GuardedRequest {
  method: string;
  path: string;
  headers: {host?: string; origin?: string; 'content-type'?: string};
}

/** True when `origin` is `http://` + `host` (default port and case normalised). */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const o = new URL(origin);
    return o.protocol === 'http:' && o.origin === new URL(`http://${host.trim()}`).origin;
  } catch {
    return false;
  }
}

/** Why this request must not be answered, or undefined when it may be. */
export function refusal(req: GuardedRequest, allowed: Set<string>): Refusal | undefined {
  const host = req.headers.host;
  if (host === undefined || host === '') return {status: 400, reason: 'host: missing (Local Heap needs a Host header)'};
  const name = hostName(host);
  if (name === undefined || !allowed.has(name)) {
    return {
      status: 403,
      reason: `host: ${JSON.stringify(short(host, 60))} is not one Local Heap answers (use ${[...allowed].join(', ')}, with the port)`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) {
    return {
      status: 403,
      reason: `origin: ${JSON.stringify(short(origin, 60))} is another site (Local Heap answers only its own pages and non-browser clients)`,
    };
  }
  if (req.path.startsWith(CONTROL_PREFIX) && !READ_METHODS.has(req.method)) {
    const type = req.headers['content-type'];
    if (!isJsonContentType(type)) {
      return {
        status: 415,
        reason: `content-type: ${req.method} ${req.path} needs application/json, got ${type ? JSON.stringify(short(type, 60)) : 'none'}`,
      };
    }
  }
  return undefined;
}
