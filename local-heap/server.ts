/**
 * Local Heap: a Heap-compatible server-side Track API on 127.0.0.1, for development and tests.
 *
 * It applies Heap's documented rules (shared/heap-rules.ts): validation with a plain-text 400
 * naming the field, the documented conversions (with a warning on the event), idempotency keys,
 * rate limits (429 + Retry-After), plus fault injection, a JSON-lines store and a live view.
 * See docs/local-heap.md for the HTTP interface and the choices made where Heap documents nothing.
 */
import {randomUUID} from 'node:crypto';
import {readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {ADD_USER_PROPERTIES_PATH, TRACK_PATH} from '../shared/heap-rules.ts';
import {checkFault, type Fault, FaultError, FaultQueue} from './faults.ts';
import {type RateDecision, RateLimiter, retryAfterSeconds} from './rate-limit.ts';
import {
  type Entry,
  EventStore,
  type Rejection,
  type StoredEvent,
  type StoredUserProperties,
  type StoreMessage,
} from './store.ts';
import {ValidationError, validateTrackBody, validateUsersBody} from './validate.ts';

export type {Fault} from './faults.ts';
export type {Entry, Rejection, StoredEvent, StoredUserProperties} from './store.ts';

export const DEFAULT_PORT = 4300;
export const DEFAULT_HOST = '127.0.0.1';
/** Heap documents no byte limit per request; this is Local Heap's own (5 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Live view: how many recent entries a newly connected page receives. */
export const SNAPSHOT_ENTRIES = 2000;

export const LOCAL_PATHS = {
  events: '/api/local/events',
  users: '/api/local/users',
  rejections: '/api/local/rejections',
  stats: '/api/local/stats',
  faults: '/api/local/faults',
  stream: '/api/local/stream',
} as const;

/** Response headers Local Heap adds (Heap sends none of these: never depend on them against real Heap). */
export const HEADERS = {
  requestId: 'x-local-heap-request-id',
  stored: 'x-local-heap-stored',
  duplicates: 'x-local-heap-duplicates',
  retryAfterMs: 'x-local-heap-retry-after-ms',
} as const;

export interface LocalHeapOptions {
  /** Default 4300; 0 = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Also reject arrays, booleans, nested objects, null and event names over 255 (what this project's own payloads must pass). */
  strict?: boolean;
  /** JSON-lines file: events appended, reloaded on start, emptied by reset(). */
  store?: string;
  /** Default true; false disables; `timeScale: 0.01` makes the windows 100x shorter (the counts stay). */
  rateLimits?: boolean | {timeScale?: number};
  /** Default DEFAULT_MAX_BODY_BYTES (5 MiB). Heap documents no limit. */
  maxBodyBytes?: number;
  /** One line per request. Default: no logging. */
  log?: (line: string) => void;
}

export interface LocalHeapStats {
  /** Requests to Heap's API paths (track, add_user_properties), faulted ones included. */
  requests: number;
  /** Accepted events stored (duplicates not included). */
  stored: number;
  /** Events accepted but ignored because their idempotency_key was seen. */
  duplicates: number;
  /** Requests answered 400, 413, 415 or 429 (= rejections().length). */
  rejected: number;
  /** Of those, answered 429. */
  rateLimited: number;
  /** Requests that met an injected fault (delays included). */
  faulted: number;
}

export interface LocalHeap {
  url: string;
  port: number;
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

interface RequestContext {
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

class BodyError extends Error {}

interface Body {
  buffer: Buffer;
  tooLarge: boolean;
  bytes: number;
}

function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  return value.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** Local wall-clock time, HH:MM:SS.mmm, for log lines. */
function clock(d = new Date()): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function short(s: string, max = 140): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export async function startLocalHeap(options: LocalHeapOptions = {}): Promise<LocalHeap> {
  const port = options.port ?? DEFAULT_PORT;
  const host = options.host ?? DEFAULT_HOST;
  const strict = options.strict === true;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer 0-65535, got ${port}`);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  const rl = options.rateLimits ?? true;
  const limiter = rl === false ? undefined : new RateLimiter({timeScale: rl === true ? 1 : rl.timeScale});
  const log = options.log;

  const store = new EventStore(options.store);
  const faults = new FaultQueue();
  const counters = {requests: 0, faulted: 0};
  const streams = new Set<http.ServerResponse>();
  const waits = new Set<() => void>();
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  const writeLog = (ctx: RequestContext, status: number | string): void => {
    if (!log || ctx.logged) return;
    ctx.logged = true;
    const ms = Date.now() - ctx.started;
    const delayed = ctx.delayed !== undefined ? ` (fault: delayed ${ctx.delayed}ms)` : '';
    log(`${clock()} ${ctx.method} ${ctx.path} ${status}${ctx.detail ? ` ${ctx.detail}` : ''}${delayed} ${ms}ms`);
  };

  const send = (
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
    contentType = 'text/plain; charset=utf-8',
  ): void => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers});
    res.end(body);
  };

  const sendJson = (
    res: http.ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ): void => send(res, status, `${JSON.stringify(value, null, 2)}\n`, headers, 'application/json; charset=utf-8');

  const reject = (
    ctx: RequestContext,
    res: http.ServerResponse,
    status: number,
    reason: string,
    headers: Record<string, string> = {},
  ): void => {
    const rejection: Rejection = {request_id: ctx.id, status, reason, path: ctx.path, received_at: ctx.receivedAt};
    store.addRejection(rejection);
    ctx.detail = short(reason);
    send(res, status, reason, {[HEADERS.requestId]: ctx.id, ...headers});
  };

  const readBody = (req: http.IncomingMessage): Promise<Body> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const declared = Number(req.headers['content-length']);
      let tooLarge = Number.isFinite(declared) && declared > maxBodyBytes;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBodyBytes) tooLarge = true;
        if (!tooLarge) chunks.push(chunk);
        // Drain what a client sends after the limit (so it can read the 413), within reason.
        else if (bytes > maxBodyBytes * 4 + 1_000_000) req.destroy(new BodyError('body far too large'));
      });
      req.on('end', () => resolve({buffer: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge, bytes}));
      req.on('error', reject);
    });

  /** Apply an injected fault; true when the request is done with (answered, reset or hanging). */
  const applyFault = async (
    ctx: RequestContext,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<boolean> => {
    const fault = faults.take(ctx.path);
    if (!fault) return false;
    counters.faulted += 1;
    if (fault.delayMs) {
      await sleep(fault.delayMs);
      if (closed) return true;
      ctx.delayed = fault.delayMs;
    }
    if (fault.reset) {
      ctx.detail = 'fault: connection reset';
      writeLog(ctx, 'RESET');
      req.socket.resetAndDestroy();
      return true;
    }
    if (fault.hang) {
      ctx.detail = 'fault: hanging (no answer)';
      writeLog(ctx, 'HANG');
      return true;
    }
    if (fault.status !== undefined) {
      const headers: Record<string, string> = {[HEADERS.requestId]: ctx.id};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      ctx.detail = `fault${fault.retryAfter !== undefined ? ` (Retry-After: ${fault.retryAfter})` : ''}`;
      send(res, fault.status, fault.body ?? `Local Heap injected fault: HTTP ${fault.status}`, headers);
      return true;
    }
    return false;
  };

  /**
   * Read, fault, check content type, size and JSON, then `validate` (a ValidationError is answered 400).
   * Returns the validated body, or undefined when the request has been answered.
   */
  const heapBody = async <T>(
    ctx: RequestContext,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    validate: (json: unknown, options: {strict: boolean}) => T,
  ): Promise<T | undefined> => {
    counters.requests += 1;
    const body = await readBody(req);
    if (await applyFault(ctx, req, res)) return undefined;
    const type = req.headers['content-type'];
    if (!isJsonContentType(type)) {
      reject(
        ctx,
        res,
        415,
        `content-type: must be application/json, got ${type ? JSON.stringify(short(type, 60)) : 'none'}`,
      );
      return undefined;
    }
    if (body.tooLarge) {
      reject(ctx, res, 413, `body: larger than ${maxBodyBytes} bytes (Local Heap's limit; Heap documents none)`);
      return undefined;
    }
    const text = body.buffer.toString('utf8');
    if (text.trim() === '') {
      reject(ctx, res, 400, 'body: empty (expected a JSON object)');
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the input; reasons must not (they reach logs).
      reject(ctx, res, 400, 'body: not valid JSON');
      return undefined;
    }
    try {
      return validate(json, {strict});
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reject(ctx, res, 400, err.message);
      return undefined;
    }
  };

  const handleTrack = async (
    ctx: RequestContext,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> => {
    const track = await heapBody(ctx, req, res, validateTrackBody);
    if (!track) return;
    if (limiter) {
      const who = (e: {identity?: string; user_id?: string}): string =>
        e.identity !== undefined ? e.identity : `user_id:${e.user_id}`;
      let decision: RateDecision;
      if (track.bulk) {
        const perIdentity = new Map<string, number>();
        for (const e of track.events) {
          const key = who(e);
          perIdentity.set(key, (perIdentity.get(key) ?? 0) + 1);
        }
        decision = limiter.checkBulk(track.app_id, perIdentity);
      } else {
        decision = limiter.checkSingle(track.app_id, who(track.events[0]!));
      }
      if (!decision.ok) {
        return reject(ctx, res, 429, decision.reason, {
          'retry-after': String(retryAfterSeconds(decision.retryAfterMs)),
          [HEADERS.retryAfterMs]: String(Math.ceil(decision.retryAfterMs)),
        });
      }
    }
    const items = track.events.map((v) => {
      // Field order of the stored JSON: ids first, then what was sent, then properties and warnings.
      const event: StoredEvent = {
        request_id: ctx.id,
        received_at: ctx.receivedAt,
        app_id: v.app_id,
        event: v.event,
        ...(v.identity !== undefined ? {identity: v.identity} : {user_id: v.user_id}),
        ...(v.timestamp !== undefined && {timestamp: v.timestamp}),
        ...(v.session_id !== undefined && {session_id: v.session_id}),
        ...(v.idempotency_key !== undefined && {idempotency_key: v.idempotency_key}),
        properties: v.properties,
        warnings: v.warnings,
      };
      const duplicate = v.idempotency_key !== undefined && store.seen(v.app_id, v.idempotency_key);
      return {event, duplicate};
    });
    store.addEvents(items);
    const dups = items.filter((i) => i.duplicate).length;
    const warnings = items.reduce((n, i) => n + i.event.warnings.length, 0);
    ctx.detail = `${items.length - dups} stored${dups ? `, ${dups} duplicate${dups > 1 ? 's' : ''}` : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`;
    send(res, 200, '', {
      [HEADERS.requestId]: ctx.id,
      [HEADERS.stored]: String(items.length - dups),
      [HEADERS.duplicates]: String(dups),
    });
  };

  const handleUsers = async (
    ctx: RequestContext,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> => {
    const users = await heapBody(ctx, req, res, validateUsersBody);
    if (!users) return;
    store.addUsers(users.users.map((u) => ({request_id: ctx.id, received_at: ctx.receivedAt, ...u})));
    ctx.detail = `${users.users.length} user${users.users.length > 1 ? 's' : ''} updated`;
    send(res, 200, '', {[HEADERS.requestId]: ctx.id, [HEADERS.stored]: String(users.users.length)});
  };

  const handleFaults = async (
    ctx: RequestContext,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> => {
    if (req.method === 'GET') return sendJson(res, 200, faults.list());
    if (req.method === 'DELETE') {
      faults.clear();
      ctx.detail = 'faults cleared';
      return sendJson(res, 200, {cleared: true});
    }
    const body = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.buffer.toString('utf8'));
    } catch {
      return send(res, 400, 'body: not valid JSON (expected a fault object or an array of them)');
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    let checked: Fault[];
    try {
      checked = list.map((f, i) => checkFault(f, Array.isArray(parsed) ? `[${i}]` : 'fault'));
    } catch (err) {
      if (err instanceof FaultError) {
        ctx.detail = err.message;
        return send(res, 400, err.message);
      }
      throw err;
    }
    for (const f of checked) faults.add(f);
    ctx.detail = `${checked.length} fault${checked.length > 1 ? 's' : ''} queued`;
    sendJson(res, 200, {queued: checked.length, pending: faults.list()});
  };

  const handleStream = (ctx: RequestContext, req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const entries = store.entries();
    const snapshot = {
      entries: entries.slice(-SNAPSHOT_ENTRIES),
      total: entries.length,
      rejections: store.rejections().slice(-100),
      strict,
      rateLimits: limiter ? {timeScale: limiter.timeScale} : false,
    };
    res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    streams.add(res);
    ctx.detail = 'live view connected';
    writeLog(ctx, 200);
    req.on('close', () => streams.delete(res));
  };

  const broadcast = (m: StoreMessage): void => {
    let frame: string;
    if (m.type === 'entry') frame = `event: entry\ndata: ${JSON.stringify(m.entry)}\n\n`;
    else if (m.type === 'rejection') frame = `event: rejection\ndata: ${JSON.stringify(m.rejection)}\n\n`;
    else frame = 'event: reset\ndata: {}\n\n';
    for (const res of streams) res.write(frame);
  };
  store.subscribe(broadcast);
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': ping\n\n');
  }, 15_000);
  heartbeat.unref();

  const eventsJson = (url: URL): unknown[] => {
    if (url.searchParams.get('include') === 'duplicates') {
      return store
        .entries()
        .flatMap((e: Entry) =>
          e.kind === 'event' ? [e.data] : e.kind === 'duplicate' ? [{...e.data, duplicate: true}] : [],
        );
    }
    return store.events();
  };

  const routes: Record<
    string,
    {
      methods: string[];
      run: (ctx: RequestContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL) => unknown;
    }
  > = {
    '/': {
      methods: ['GET', 'HEAD'],
      run: (_ctx, _req, res) =>
        send(
          res,
          200,
          readFileSync(new URL('./live-view.html', import.meta.url), 'utf8'),
          {},
          'text/html; charset=utf-8',
        ),
    },
    [TRACK_PATH]: {methods: ['POST'], run: handleTrack},
    [ADD_USER_PROPERTIES_PATH]: {methods: ['POST'], run: handleUsers},
    [LOCAL_PATHS.events]: {
      methods: ['GET', 'DELETE'],
      run: (ctx, req, res, url) => {
        if (req.method === 'DELETE') {
          heap.reset();
          ctx.detail = 'reset';
          return sendJson(res, 200, {reset: true});
        }
        sendJson(res, 200, eventsJson(url));
      },
    },
    [LOCAL_PATHS.users]: {methods: ['GET'], run: (_ctx, _req, res) => sendJson(res, 200, store.userProperties())},
    [LOCAL_PATHS.rejections]: {methods: ['GET'], run: (_ctx, _req, res) => sendJson(res, 200, store.rejections())},
    [LOCAL_PATHS.stats]: {methods: ['GET'], run: (_ctx, _req, res) => sendJson(res, 200, heap.stats())},
    [LOCAL_PATHS.faults]: {methods: ['GET', 'POST', 'DELETE'], run: handleFaults},
    [LOCAL_PATHS.stream]: {methods: ['GET'], run: handleStream},
  };

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
    res.on('finish', () => writeLog(ctx, res.statusCode));
    const route = routes[url.pathname];
    const run = async (): Promise<void> => {
      if (!route) {
        const hint = url.pathname.startsWith('/api/')
          ? ` (Local Heap serves ${TRACK_PATH}, ${ADD_USER_PROPERTIES_PATH} and /api/local/*)`
          : '';
        return send(res, 404, `not found: ${short(url.pathname, 100)}${hint}`);
      }
      if (!route.methods.includes(ctx.method)) {
        if (url.pathname === TRACK_PATH || url.pathname === ADD_USER_PROPERTIES_PATH) counters.requests += 1;
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
  const heap: LocalHeap = {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    events: () => store.events(),
    duplicates: () => store.duplicates(),
    userProperties: () => store.userProperties(),
    rejections: () => store.rejections(),
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
    injectFault: (fault) => faults.add(fault),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    reset: () => {
      faults.clear();
      limiter?.reset();
      counters.requests = 0;
      counters.faulted = 0;
      store.reset();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        clearInterval(heartbeat);
        for (const wake of [...waits]) wake();
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return heap;
}
