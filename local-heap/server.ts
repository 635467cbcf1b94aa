/**
 * Local Heap: a Heap-compatible server-side Track API on 127.0.0.1, for development and tests.
 *
 * It applies Heap's documented rules (shared/heap-rules.ts): validation with a plain-text 400
 * naming the field, the documented conversions (with a warning on the event), idempotency keys,
 * rate limits (429 + Retry-After), plus fault injection, a JSON-lines store and a live view.
 * See docs/local-heap.md for the HTTP interface and the choices made where Heap documents nothing.
 *
 * This file wires the parts together; each policy lives in its own module:
 * track-api.ts (Heap's routes), control-api.ts (/api/local/*), live-view.ts (the page and its
 * stream), request-guard.ts (Host, Origin, content type), store.ts, faults.ts, rate-limit.ts,
 * validate.ts.
 */
import {randomUUID} from 'node:crypto';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {ADD_USER_PROPERTIES_PATH, TRACK_PATH} from '../shared/heap-rules.ts';
import {controlApiRoutes} from './control-api.ts';
import {type Fault, FaultQueue} from './faults.ts';
import {BodyError, clock, type RequestContext, type Routes, send, short} from './http.ts';
import {liveView} from './live-view.ts';
import {RateLimiter} from './rate-limit.ts';
import {allowedHostNames, refusal} from './request-guard.ts';
import type {LocalHeapState, LocalHeapStats} from './state.ts';
import {
  describeStoreLoad,
  EventStore,
  type StoredEvent,
  type StoredUserProperties,
  type StoreLoadReport,
} from './store.ts';
import {HEAP_PATHS, trackApiRoutes} from './track-api.ts';

export {LOCAL_PATHS} from './control-api.ts';
export type {Fault} from './faults.ts';
export {SNAPSHOT_ENTRIES} from './live-view.ts';
export type {LocalHeapStats} from './state.ts';
export type {Entry, Rejection, StoredEvent, StoredUserProperties, StoreLoadReport} from './store.ts';
export {describeStoreLoad} from './store.ts';
export {HEADERS} from './track-api.ts';

export const DEFAULT_PORT = 4300;
export const DEFAULT_HOST = '127.0.0.1';
/** Heap documents no byte limit per request; this is Local Heap's own (5 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface LocalHeapOptions {
  /** Default 4300; 0 = any free port. */
  port?: number;
  /** Default '127.0.0.1'. Requests must name it (or a loopback name) in their Host header. */
  host?: string;
  /** Also reject arrays, booleans, nested objects, null and event names over 255 (what this project's own payloads must pass). */
  strict?: boolean;
  /** JSON-lines file: events appended, reloaded on start (a torn last line repaired or dropped), emptied by reset(). */
  store?: string;
  /** Default true; false disables; `timeScale: 0.01` makes the windows 100x shorter (the counts stay). */
  rateLimits?: boolean | {timeScale?: number};
  /** Default DEFAULT_MAX_BODY_BYTES (5 MiB). Heap documents no limit. */
  maxBodyBytes?: number;
  /** One line per request (and one about the store on start). Default: no logging. */
  log?: (line: string) => void;
}

export interface LocalHeap {
  url: string;
  port: number;
  /** What loading `store` found (undefined without a store): lines read, events, a torn tail repaired or dropped. */
  storeLoad: StoreLoadReport | undefined;
  /** Accepted events, oldest first (duplicates NOT included). */
  events(): StoredEvent[];
  /** Events ignored because their idempotency_key was seen. */
  duplicates(): StoredEvent[];
  /** add_user_properties updates, oldest first. */
  userProperties(): StoredUserProperties[];
  /** 4xx answered (400, 413, 415, 429). */
  rejections(): {request_id: string; status: number; reason: string; path: string}[];
  stats(): LocalHeapStats;
  /** Queue a fault: the next `count` requests (to `path` if set) get it. Throws FaultError if invalid. */
  injectFault(fault: Fault): void;
  /** Pending faults. */
  faults(): (Fault & {remaining: number})[];
  clearFaults(): void;
  /** Clears events, duplicates, user properties, rejections, stats, rate-limit counters, faults, idempotency memory (and empties the store file). */
  reset(): void;
  /** Stops the server; destroys hanging and live-view connections so it always resolves. */
  close(): Promise<void>;
}

export async function startLocalHeap(options: LocalHeapOptions = {}): Promise<LocalHeap> {
  const port = options.port ?? DEFAULT_PORT;
  const host = options.host ?? DEFAULT_HOST;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer 0-65535, got ${port}`);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  const rl = options.rateLimits ?? true;
  const log = options.log;

  const store = new EventStore(options.store);
  if (store.loadReport) log?.(`${clock()} ${describeStoreLoad(store.loadReport)}`);
  const faults = new FaultQueue();
  const limiter = rl === false ? undefined : new RateLimiter({timeScale: rl === true ? 1 : rl.timeScale});
  const counters = {requests: 0, faulted: 0};
  const waits = new Set<() => void>();
  let closed = false;

  const state: LocalHeapState = {
    store,
    faults,
    limiter,
    counters,
    strict: options.strict === true,
    maxBodyBytes,
    closed: () => closed,
    sleep: (ms) =>
      new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waits.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waits.add(done);
      }),
    writeLog: (ctx, status) => {
      if (!log || ctx.logged) return;
      ctx.logged = true;
      const ms = Date.now() - ctx.started;
      const delayed = ctx.delayed !== undefined ? ` (fault: delayed ${ctx.delayed}ms)` : '';
      log(`${clock()} ${ctx.method} ${ctx.path} ${status}${ctx.detail ? ` ${ctx.detail}` : ''}${delayed} ${ms}ms`);
    },
    stats: () => {
      const rejections = store.rejections();
      return {
        requests: counters.requests,
        stored: store.events().length,
        duplicates: store.duplicates().length,
        rejected: rejections.length,
        rateLimited: rejections.filter((r) => r.status === 429).length,
        faulted: counters.faulted,
      };
    },
    reset: () => {
      faults.clear();
      limiter?.reset();
      counters.requests = 0;
      counters.faulted = 0;
      store.reset();
    },
  };

  const view = liveView(state);
  const routes: Routes = {...view.routes, ...trackApiRoutes(state), ...controlApiRoutes(state)};
  const allowedHosts = allowedHostNames(host);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local-heap');
    const ctx: RequestContext = {
      id: randomUUID(),
      receivedAt: new Date().toISOString(),
      started: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      detail: '',
      logged: false,
    };
    res.on('finish', () => state.writeLog(ctx, res.statusCode));
    const run = async (): Promise<void> => {
      const refused = refusal({method: ctx.method, path: ctx.path, headers: req.headers}, allowedHosts);
      if (refused) {
        req.resume();
        ctx.detail = refused.reason;
        return send(res, refused.status, refused.reason);
      }
      const route = routes[url.pathname];
      if (!route) {
        const hint = url.pathname.startsWith('/api/')
          ? ` (Local Heap serves ${TRACK_PATH}, ${ADD_USER_PROPERTIES_PATH} and /api/local/*)`
          : '';
        return send(res, 404, `not found: ${short(url.pathname, 100)}${hint}`);
      }
      if (!route.methods.includes(ctx.method)) {
        if (HEAP_PATHS.includes(url.pathname)) counters.requests += 1;
        req.resume();
        return send(
          res,
          405,
          `method ${ctx.method} not allowed on ${url.pathname} (use ${route.methods.join(' or ')})`,
          {
            allow: route.methods.join(', '),
          },
        );
      }
      await route.run(ctx, req, res, url);
    };
    run().catch((err: unknown) => {
      if (err instanceof BodyError || closed) {
        req.socket.destroy();
        return;
      }
      ctx.detail = `internal error: ${err instanceof Error ? err.message : String(err)}`;
      send(res, 500, `Local Heap internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `Local Heap: port ${port} on ${host} is in use (choose another with --port, or 0 for any free port)`,
            )
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    storeLoad: store.loadReport,
    events: () => store.events(),
    duplicates: () => store.duplicates(),
    userProperties: () => store.userProperties(),
    rejections: () => store.rejections(),
    stats: state.stats,
    injectFault: (fault) => faults.add(fault),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    reset: state.reset,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const wake of [...waits]) wake();
        view.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
