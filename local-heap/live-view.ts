/**
 * Local Heap: the live view. `GET /` serves the page (live-view.html); `GET /api/local/stream`
 * sends it a snapshot, then every entry, rejection and reset as Server-Sent Events.
 */
import {readFileSync} from 'node:fs';
import type http from 'node:http';
import {LOCAL_PATHS} from './control-api.ts';
import {type Handler, type Routes, send} from './http.ts';
import type {LocalHeapState} from './state.ts';
import type {StoreMessage} from './store.ts';

/** How many recent entries a newly connected page receives. */
export const SNAPSHOT_ENTRIES = 2000;
const HEARTBEAT_MS = 15_000;

export interface LiveView {
  routes: Routes;
  /** Ends every open stream and stops the heartbeat. */
  close(): void;
}

export function liveView(state: LocalHeapState): LiveView {
  const {store, limiter, strict} = state;
  const streams = new Set<http.ServerResponse>();

  const handleStream: Handler = (ctx, req, res) => {
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
    state.writeLog(ctx, 200);
    req.on('close', () => streams.delete(res));
  };

  const broadcast = (m: StoreMessage): void => {
    let frame: string;
    if (m.type === 'entry') frame = `event: entry\ndata: ${JSON.stringify(m.entry)}\n\n`;
    else if (m.type === 'rejection') frame = `event: rejection\ndata: ${JSON.stringify(m.rejection)}\n\n`;
    else frame = 'event: reset\ndata: {}\n\n';
    for (const res of streams) res.write(frame);
  };
  const unsubscribe = store.subscribe(broadcast);
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const page: Handler = (_ctx, _req, res) =>
    send(res, 200, readFileSync(new URL('./live-view.html', import.meta.url), 'utf8'), {}, 'text/html; charset=utf-8');

  return {
    routes: {
      '/': {methods: ['GET', 'HEAD'], run: page},
      [LOCAL_PATHS.stream]: {methods: ['GET'], run: handleStream},
    },
    close: () => {
      clearInterval(heartbeat);
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
