/**
 * Who may drive Local Heap: only loopback Host names (or its --host), no foreign Origin, and
 * control requests that change state only as application/json. Requests with a chosen Host
 * header go through node:http (fetch does not let a caller set Host).
 */
import http from 'node:http';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {APP_ID, post, single, track} from './http.ts';

let heap: LocalHeap;
beforeAll(async () => {
  heap = await startLocalHeap({port: 0, rateLimits: false});
});
afterEach(() => heap.reset());
afterAll(() => heap.close());

interface Raw {
  status: number;
  text: string;
}

/** One request to `address`:<port> (default 127.0.0.1) with exactly these headers. */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  address = '127.0.0.1',
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({host: address, port, method, path, headers, setHost: false}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({status: res.statusCode ?? 0, text}));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = {'content-type': 'application/json'};

describe('Host: only loopback names or the --host address (DNS rebinding)', () => {
  it('refuses Host: evil.example for the events list and the Track API, storing nothing', async () => {
    await track(heap.url, single());
    const list = await raw(heap.port, 'GET', '/api/local/events', {host: `evil.example:${heap.port}`});
    expect(list.status).toBe(403);
    expect(list.text).toMatch(/^host: "evil\.example:\d+" is not one Local Heap answers/);
    expect(list.text).not.toContain(APP_ID);
    const tracked = await raw(
      heap.port,
      'POST',
      '/api/track',
      {host: 'evil.example', ...json},
      JSON.stringify(single({event: 'Rebound'})),
    );
    expect(tracked.status).toBe(403);
    expect(heap.events().map((e) => e.event)).toEqual(['Content Published']);
    const stream = await raw(heap.port, 'GET', '/api/local/stream', {host: 'evil.example'});
    expect(stream.status).toBe(403);
    expect((await raw(heap.port, 'GET', '/', {host: 'localhost.evil.example'})).status).toBe(403);
    expect((await raw(heap.port, 'GET', '/api/local/events', {})).status).toBe(400);
  });

  it('answers 127.0.0.1, localhost and [::1], with or without a port', async () => {
    for (const host of ['127.0.0.1', `127.0.0.1:${heap.port}`, `localhost:${heap.port}`, 'LOCALHOST', '[::1]:4300']) {
      expect((await raw(heap.port, 'GET', '/api/local/events', {host})).status, host).toBe(200);
    }
  });

  it('answers the address given with --host, and still the loopback names', async () => {
    const other = await startLocalHeap({port: 0, host: '127.0.0.2', rateLimits: false});
    try {
      const get = (host: string): Promise<Raw> =>
        raw(other.port, 'GET', '/api/local/stats', {host}, undefined, '127.0.0.2');
      expect(other.url).toBe(`http://127.0.0.2:${other.port}`);
      expect((await get(`127.0.0.2:${other.port}`)).status).toBe(200);
      expect((await get(`localhost:${other.port}`)).status).toBe(200);
      expect((await get(`127.0.0.3:${other.port}`)).status).toBe(403);
    } finally {
      await other.close();
    }
  });
});

describe('Origin: only Local Heap’s own pages', () => {
  it('refuses a foreign Origin (another localhost port, another site, null) on control and Track paths', async () => {
    for (const origin of ['http://127.0.0.1:1', 'http://localhost:5173', 'https://evil.example', 'null']) {
      const fault = await raw(
        heap.port,
        'POST',
        '/api/local/faults',
        {host: `127.0.0.1:${heap.port}`, origin, ...json},
        '{"status": 400}',
      );
      expect(fault.status, origin).toBe(403);
      expect(fault.text).toMatch(/^origin: .* is another site/);
      const tracked = await raw(
        heap.port,
        'POST',
        '/api/track',
        {host: `127.0.0.1:${heap.port}`, origin, ...json},
        JSON.stringify(single()),
      );
      expect(tracked.status, origin).toBe(403);
    }
    expect(heap.faults()).toEqual([]);
    expect(heap.events()).toEqual([]);
  });

  it('answers its own origin', async () => {
    const res = await raw(
      heap.port,
      'POST',
      '/api/local/faults',
      {host: `127.0.0.1:${heap.port}`, origin: heap.url, ...json},
      '{"status": 503}',
    );
    expect(res.status).toBe(200);
    expect(heap.faults()).toEqual([{status: 503, remaining: 1}]);
  });
});

describe('control requests that change state need application/json', () => {
  it('refuses a text/plain POST to faults (what a form or no-cors fetch can send) and queues nothing', async () => {
    const res = await post(heap.url, '/api/local/faults', '{"status": 400, "count": 100}', {contentType: 'text/plain'});
    expect([res.status, res.text]).toEqual([
      415,
      'content-type: POST /api/local/faults needs application/json, got "text/plain"',
    ]);
    expect(heap.faults()).toEqual([]);
    expect((await post(heap.url, '/api/local/faults', '{"status": 502}', {contentType: null})).status).toBe(415);
    expect(heap.faults()).toEqual([]);
  });

  it('refuses DELETE without application/json (the events survive); reads need no content type', async () => {
    await track(heap.url, single());
    for (const path of ['/api/local/events', '/api/local/faults']) {
      expect((await fetch(`${heap.url}${path}`, {method: 'DELETE'})).status, path).toBe(415);
    }
    expect(heap.events()).toHaveLength(1);
    expect((await fetch(`${heap.url}/api/local/events`)).status).toBe(200);
    const reset = await fetch(`${heap.url}/api/local/events`, {method: 'DELETE', headers: json});
    expect(reset.status).toBe(200);
    expect(heap.events()).toEqual([]);
  });
});
