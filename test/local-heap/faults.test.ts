import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {APP_ID, del, IDENTITY, post, single, track} from './http.ts';

let heap: LocalHeap;
beforeAll(async () => {
  heap = await startLocalHeap({port: 0, rateLimits: false});
});
afterEach(() => heap.reset());
afterAll(() => heap.close());

describe('fault injection from code', () => {
  it('answers with a status and Retry-After, once by default, storing nothing', async () => {
    heap.injectFault({status: 503, retryAfter: 7});
    const res = await track(heap.url, single());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.text).toBe('Local Heap injected fault: HTTP 503');
    expect(heap.events()).toEqual([]);
    expect((await track(heap.url, single())).status).toBe(200);
    expect(heap.stats()).toMatchObject({requests: 2, faulted: 1, stored: 1, rejected: 0});
  });

  it('answers with a status and no Retry-After, for `count` requests, with a custom body', async () => {
    heap.injectFault({status: 500, count: 2, body: 'boom'});
    for (let i = 0; i < 2; i++) {
      const res = await track(heap.url, single());
      expect(res.status).toBe(500);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.text).toBe('boom');
    }
    expect((await track(heap.url, single())).status).toBe(200);
  });

  it('applies a fault with `path` only to that path', async () => {
    heap.injectFault({status: 429, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT', path: '/api/add_user_properties'});
    expect((await track(heap.url, single())).status).toBe(200);
    const res = await post(heap.url, '/api/add_user_properties', {
      app_id: APP_ID,
      identity: IDENTITY,
      properties: {a: 1},
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
  });

  it('delays a request, then answers it normally', async () => {
    heap.injectFault({delayMs: 300});
    const t0 = performance.now();
    const res = await track(heap.url, single());
    const elapsed = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(heap.events()).toHaveLength(1);
    expect(heap.stats().faulted).toBe(1);
  });

  it('resets the connection: the client sees a connection error, nothing is stored', async () => {
    heap.injectFault({reset: true});
    const error = await track(heap.url, single()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TypeError); // fetch failed
    expect(String((error as Error & {cause?: {code?: string}}).cause?.code ?? (error as Error).cause)).toMatch(
      /ECONNRESET|UND_ERR_SOCKET|other side closed/,
    );
    expect(heap.events()).toEqual([]);
    expect((await track(heap.url, single())).status).toBe(200);
  });

  it('never faults the local control paths', async () => {
    heap.injectFault({status: 500});
    expect((await fetch(`${heap.url}/api/local/events`)).status).toBe(200);
    expect(heap.faults()).toEqual([{status: 500, remaining: 1}]);
  });

  it('refuses an invalid fault', () => {
    expect(() => heap.injectFault({})).toThrow('fault: give status, delayMs, reset, resetAfterStore or hang');
    expect(() => heap.injectFault({status: 99})).toThrow('fault.status: must be an integer 200-599');
    expect(() => heap.injectFault({reset: true, hang: true})).toThrow('only one of');
    expect(() => heap.injectFault({retryAfter: 3, delayMs: 1})).toThrow('fault.retryAfter: needs a status');
    expect(() => heap.injectFault({reset: true, resetAfterStore: true})).toThrow('only one of');
  });

  it('refuses a delay beyond the timer range (2^31-1 ms) instead of firing it at once', async () => {
    expect(() => heap.injectFault({delayMs: 2 ** 31})).toThrow('fault.delayMs: at most 2147483647');
    const res = await post(heap.url, '/api/local/faults', {delayMs: 3e9});
    expect([res.status, res.text]).toEqual([400, 'fault.delayMs: at most 2147483647 (2^31-1 ms, the timer range)']);
    expect(heap.faults()).toEqual([]);
    // The longest allowed delay is queued (and cleared before it is used).
    heap.injectFault({delayMs: 2 ** 31 - 1});
    expect(heap.faults()).toEqual([{delayMs: 2 ** 31 - 1, remaining: 1}]);
  });
});

describe('match: faults for one event', () => {
  it('applies a fault only to requests whose body contains `match`, in queue order, skipping others', async () => {
    heap.injectFault({status: 503, match: '"content_id":"post-2"'});
    heap.injectFault({status: 502, match: '"content_id":"post-2"'});
    const one = single({properties: {content_id: 'post-1'}});
    const two = single({properties: {content_id: 'post-2'}});
    expect((await track(heap.url, one)).status).toBe(200);
    expect((await track(heap.url, two)).status).toBe(503);
    expect((await track(heap.url, one)).status).toBe(200);
    expect((await track(heap.url, two)).status).toBe(502);
    expect((await track(heap.url, two)).status).toBe(200);
    expect(heap.stats()).toMatchObject({faulted: 2, stored: 3});
    expect(() => heap.injectFault({status: 500, match: ''})).toThrow('fault.match: must be a non-empty string');
  });
});

describe('resetAfterStore: Heap stored the request, the answer is lost', () => {
  it('stores the events, then resets the connection; re-sending them stores nothing twice', async () => {
    heap.injectFault({resetAfterStore: true});
    const body = single({idempotency_key: 'lost-answer@1'});
    const error = await track(heap.url, body).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TypeError); // fetch failed: the client cannot know it was stored
    expect(heap.events().map((e) => e.idempotency_key)).toEqual(['lost-answer@1']);
    const again = await track(heap.url, body);
    expect([again.status, again.headers.get('x-local-heap-duplicates')]).toEqual([200, '1']);
    expect(heap.events()).toHaveLength(1);
    expect(heap.duplicates()).toHaveLength(1);
    expect(heap.stats()).toMatchObject({requests: 2, faulted: 1, stored: 1, duplicates: 1});
  });

  it('drops a rejection too: the request is handled in full, only its answer is lost', async () => {
    heap.injectFault({resetAfterStore: true, path: '/api/track'});
    const error = await track(heap.url, single({identity: ''})).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(heap.rejections().map((r) => [r.status, r.reason])).toEqual([[400, 'identity: empty']]);
    expect(heap.events()).toEqual([]);
  });
});

describe('hang', () => {
  it('never answers: the client times out, and close() still resolves', async () => {
    const own = await startLocalHeap({port: 0});
    own.injectFault({hang: true});
    const error = await track(own.url, single(), {signal: AbortSignal.timeout(300)}).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((error as Error).name).toBe('TimeoutError');
    expect(own.events()).toEqual([]);
    // Hang a second request and leave it open: close() must destroy its socket.
    own.injectFault({hang: true});
    const pending = track(own.url, single()).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await own.close();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('close() also ends a pending delay', async () => {
    const own = await startLocalHeap({port: 0});
    own.injectFault({delayMs: 60_000});
    const pending = track(own.url, single()).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100));
    await own.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(own.events()).toEqual([]);
  });
});

describe('fault injection over HTTP', () => {
  it('POST /api/local/faults queues one fault or an array; DELETE clears', async () => {
    const one = await post(heap.url, '/api/local/faults', {status: 502});
    expect(one.status).toBe(200);
    const many = await post(heap.url, '/api/local/faults', [
      {status: 503, retryAfter: 1},
      {reset: true, path: '/api/track'},
    ]);
    expect(JSON.parse(many.text)).toMatchObject({queued: 2});
    expect(heap.faults()).toHaveLength(3);
    expect((await track(heap.url, single())).status).toBe(502);
    const second = await track(heap.url, single());
    expect([second.status, second.headers.get('retry-after')]).toEqual([503, '1']);
    expect((await del(heap.url, '/api/local/faults')).status).toBe(200);
    expect(heap.faults()).toEqual([]);
    expect((await track(heap.url, single())).status).toBe(200);
  });

  it('answers an invalid fault with 400 naming the field, queueing none of the array', async () => {
    const res = await post(heap.url, '/api/local/faults', [{status: 503}, {status: 503, delayMs: -1}]);
    expect(res.status).toBe(400);
    expect(res.text).toBe('[1].delayMs: must be a number ≥ 0');
    expect(heap.faults()).toEqual([]);
  });
});
