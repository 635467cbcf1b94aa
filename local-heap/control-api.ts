/**
 * Local Heap: the control API under `/api/local/*` (for tests and people): read what arrived,
 * reset, and queue or clear faults. Requests that change state (POST, DELETE) must say
 * `content-type: application/json` (request-guard.ts refuses them otherwise).
 */

import {checkFault, type Fault, FaultError} from './faults.ts';
import {type Handler, type Routes, readBody, send, sendJson} from './http.ts';
import type {LocalHeapState} from './state.ts';
import type {Entry} from './store.ts';

export const LOCAL_PATHS = {
  events: '/api/local/events',
  users: '/api/local/users',
  rejections: '/api/local/rejections',
  stats: '/api/local/stats',
  faults: '/api/local/faults',
  stream: '/api/local/stream',
} as const;

/** The largest fault list accepted by `POST /api/local/faults`. */
const MAX_FAULTS_BODY_BYTES = 1024 * 1024;

export function controlApiRoutes(state: LocalHeapState): Routes {
  const {store, faults} = state;

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

  const handleEvents: Handler = (ctx, req, res, url) => {
    if (req.method === 'DELETE') {
      state.reset();
      ctx.detail = 'reset';
      return sendJson(res, 200, {reset: true});
    }
    sendJson(res, 200, eventsJson(url));
  };

  const handleFaults: Handler = async (ctx, req, res) => {
    if (req.method === 'GET') return sendJson(res, 200, faults.list());
    if (req.method === 'DELETE') {
      faults.clear();
      ctx.detail = 'faults cleared';
      return sendJson(res, 200, {cleared: true});
    }
    const body = await readBody(req, MAX_FAULTS_BODY_BYTES);
    if (body.tooLarge) return send(res, 413, `body: larger than ${MAX_FAULTS_BODY_BYTES} bytes`);
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

  return {
    [LOCAL_PATHS.events]: {methods: ['GET', 'DELETE'], run: handleEvents},
    [LOCAL_PATHS.users]: {methods: ['GET'], run: (_ctx, _req, res) => sendJson(res, 200, store.userProperties())},
    [LOCAL_PATHS.rejections]: {methods: ['GET'], run: (_ctx, _req, res) => sendJson(res, 200, store.rejections())},
    [LOCAL_PATHS.stats]: {methods: ['GET'], run: (_ctx, _req, res) => sendJson(res, 200, state.stats())},
    [LOCAL_PATHS.faults]: {methods: ['GET', 'POST', 'DELETE'], run: handleFaults},
  };
}
