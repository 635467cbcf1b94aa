/**
 * Local Heap: Heap's Track API routes, `POST /api/track` and `POST /api/add_user_properties`.
 *
 * Each request: read the body, apply an injected fault, check content type, size and JSON,
 * validate (400 naming the field), apply the rate limits (429 + Retry-After), store (duplicates
 * by idempotency key kept apart), answer 200 with an empty body.
 */
import type http from 'node:http';
import {ADD_USER_PROPERTIES_PATH, TRACK_PATH} from '../shared/heap-rules.ts';
import {isJsonContentType, type RequestContext, type Routes, readBody, send, short} from './http.ts';
import {type RateDecision, retryAfterSeconds} from './rate-limit.ts';
import type {LocalHeapState} from './state.ts';
import type {Rejection, StoredEvent} from './store.ts';
import {ValidationError, validateTrackBody, validateUsersBody} from './validate.ts';

/** Response headers Local Heap adds (Heap sends none of these: never depend on them against real Heap). */
export const HEADERS = {
  requestId: 'x-local-heap-request-id',
  stored: 'x-local-heap-stored',
  duplicates: 'x-local-heap-duplicates',
  retryAfterMs: 'x-local-heap-retry-after-ms',
} as const;

/** Heap's paths: the only ones faults apply to and `stats().requests` counts. */
export const HEAP_PATHS: readonly string[] = [TRACK_PATH, ADD_USER_PROPERTIES_PATH];

/** A Track API request in flight: its context, and whether a fault said to drop its answer. */
interface Exchange {
  ctx: RequestContext;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  dropAnswer: boolean;
}

export function trackApiRoutes(state: LocalHeapState): Routes {
  const {store, faults, counters, limiter} = state;

  /** Answer, unless a `resetAfterStore` fault said to drop the answer: then reset the connection. */
  const answer = (x: Exchange, status: number, body: string, headers: Record<string, string>): void => {
    if (x.dropAnswer) {
      x.ctx.detail = `${x.ctx.detail ? `${x.ctx.detail}; ` : ''}fault: answer ${status} dropped, connection reset`;
      state.writeLog(x.ctx, 'RESET');
      x.req.socket.resetAndDestroy();
      return;
    }
    send(x.res, status, body, {[HEADERS.requestId]: x.ctx.id, ...headers});
  };

  const reject = (x: Exchange, status: number, reason: string, headers: Record<string, string> = {}): void => {
    const rejection: Rejection = {
      request_id: x.ctx.id,
      status,
      reason,
      path: x.ctx.path,
      received_at: x.ctx.receivedAt,
    };
    store.addRejection(rejection);
    x.ctx.detail = short(reason);
    answer(x, status, reason, headers);
  };

  const refuse = (x: Exchange, decision: RateDecision): boolean => {
    if (decision.ok) return false;
    reject(x, 429, decision.reason, {
      'retry-after': String(retryAfterSeconds(decision.retryAfterMs)),
      [HEADERS.retryAfterMs]: String(Math.ceil(decision.retryAfterMs)),
    });
    return true;
  };

  /** Apply an injected fault; true when the request is done with (answered, reset or hanging). */
  const applyFault = async (x: Exchange, text: string): Promise<boolean> => {
    const fault = faults.take(x.ctx.path, text);
    if (!fault) return false;
    counters.faulted += 1;
    if (fault.delayMs) {
      await state.sleep(fault.delayMs);
      if (state.closed()) return true;
      x.ctx.delayed = fault.delayMs;
    }
    if (fault.resetAfterStore) {
      x.dropAnswer = true;
      return false;
    }
    if (fault.reset) {
      x.ctx.detail = 'fault: connection reset';
      state.writeLog(x.ctx, 'RESET');
      x.req.socket.resetAndDestroy();
      return true;
    }
    if (fault.hang) {
      x.ctx.detail = 'fault: hanging (no answer)';
      state.writeLog(x.ctx, 'HANG');
      return true;
    }
    if (fault.status !== undefined) {
      const headers: Record<string, string> = {[HEADERS.requestId]: x.ctx.id};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      x.ctx.detail = `fault${fault.retryAfter !== undefined ? ` (Retry-After: ${fault.retryAfter})` : ''}`;
      send(x.res, fault.status, fault.body ?? `Local Heap injected fault: HTTP ${fault.status}`, headers);
      return true;
    }
    return false;
  };

  /**
   * Read, fault, check content type, size and JSON, then `validate` (a ValidationError is answered 400).
   * Returns the validated body, or undefined when the request has been answered.
   */
  const heapBody = async <T>(
    x: Exchange,
    validate: (json: unknown, options: {strict: boolean}) => T,
  ): Promise<T | undefined> => {
    counters.requests += 1;
    const body = await readBody(x.req, state.maxBodyBytes);
    const text = body.buffer.toString('utf8');
    if (await applyFault(x, text)) return undefined;
    const type = x.req.headers['content-type'];
    if (!isJsonContentType(type)) {
      reject(x, 415, `content-type: must be application/json, got ${type ? JSON.stringify(short(type, 60)) : 'none'}`);
      return undefined;
    }
    if (body.tooLarge) {
      reject(x, 413, `body: larger than ${state.maxBodyBytes} bytes (Local Heap's limit; Heap documents none)`);
      return undefined;
    }
    if (text.trim() === '') {
      reject(x, 400, 'body: empty (expected a JSON object)');
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the input; reasons must not (they reach logs).
      reject(x, 400, 'body: not valid JSON');
      return undefined;
    }
    try {
      return validate(json, {strict: state.strict});
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      reject(x, 400, err.message);
      return undefined;
    }
  };

  const who = (e: {identity?: string; user_id?: string}): string =>
    e.identity !== undefined ? e.identity : `user_id:${e.user_id}`;

  const handleTrack = async (x: Exchange): Promise<void> => {
    const track = await heapBody(x, validateTrackBody);
    if (!track) return;
    if (limiter) {
      let decision: RateDecision;
      if (track.bulk) {
        const perIdentity = new Map<string, number>();
        for (const e of track.events) perIdentity.set(who(e), (perIdentity.get(who(e)) ?? 0) + 1);
        decision = limiter.checkBulk(track.app_id, perIdentity);
      } else {
        decision = limiter.checkSingle(track.app_id, who(track.events[0]!));
      }
      if (refuse(x, decision)) return;
    }
    const items = track.events.map((v) => {
      // Field order of the stored JSON: ids first, then what was sent, then properties and warnings.
      const event: StoredEvent = {
        request_id: x.ctx.id,
        received_at: x.ctx.receivedAt,
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
    x.ctx.detail = `${items.length - dups} stored${dups ? `, ${dups} duplicate${dups > 1 ? 's' : ''}` : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`;
    answer(x, 200, '', {[HEADERS.stored]: String(items.length - dups), [HEADERS.duplicates]: String(dups)});
  };

  const handleUsers = async (x: Exchange): Promise<void> => {
    const users = await heapBody(x, validateUsersBody);
    if (!users) return;
    const identities = users.users.map((u) => u.identity);
    if (limiter && refuse(x, limiter.checkUsers(users.app_id, identities))) return;
    store.addUsers(users.users.map((u) => ({request_id: x.ctx.id, received_at: x.ctx.receivedAt, ...u})));
    x.ctx.detail = `${users.users.length} user${users.users.length > 1 ? 's' : ''} updated`;
    answer(x, 200, '', {[HEADERS.stored]: String(users.users.length)});
  };

  const exchange =
    (handle: (x: Exchange) => Promise<void>) =>
    (ctx: RequestContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> =>
      handle({ctx, req, res, dropAnswer: false});

  return {
    [TRACK_PATH]: {methods: ['POST'], run: exchange(handleTrack)},
    [ADD_USER_PROPERTIES_PATH]: {methods: ['POST'], run: exchange(handleUsers)},
  };
}
