import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import type {HeapEvent} from '../../shared/content-event.ts';
import {
  type AttemptInfo,
  type DeliveryOptions,
  type DeliveryResult,
  MAX_REASON_LENGTH,
  sendToHeap,
} from '../../shared/delivery.ts';
import type {RetryPolicy} from '../../shared/retry-policy.ts';

const APP_ID = '1234567890';
const API = 'https://heap.test';
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

const event = (n: number): HeapEvent => ({
  identity: 'system:sanity-content',
  event: 'Content Published',
  timestamp: '2025-01-15T11:59:00.000Z',
  properties: {content_id: `doc-${n}`, content_type: 'article'},
  idempotency_key: `sanity:p.production:doc-${n}:r1:create`,
});
const EVENTS = [event(1), event(2)];

/** What the fake Heap answers, per attempt (the last one repeats). */
type Step =
  | number
  | {status: number; body?: string | ReadableStream<Uint8Array>; headers?: Record<string, string>}
  | 'network'
  | 'timeout';

interface Call {
  url: string;
  init: RequestInit;
  at: number;
}

/** A fake fetch, clock and sleep: time only moves when something sleeps or a fetch takes `latencyMs`. */
function harness(steps: Step[], latencyMs = 0) {
  let t = T0;
  const calls: Call[] = [];
  const sleeps: number[] = [];
  const attempts: AttemptInfo[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({url: String(url), init: init ?? {}, at: t});
    const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
    t += latencyMs;
    if (step === 'network')
      throw new TypeError('fetch failed', {cause: Object.assign(new Error('read ECONNRESET'), {code: 'ECONNRESET'})});
    if (step === 'timeout') {
      // Hang until the per-attempt timeout aborts the request, like a real fetch.
      const signal = init?.signal;
      return await new Promise<Response>((_, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), {once: true});
      });
    }
    const s = typeof step === 'number' ? {status: step} : step;
    const nullBody = s.status === 204 || s.status === 205 || s.status === 304;
    return new Response(nullBody ? null : (s.body ?? `status ${s.status}`), {status: s.status, headers: s.headers});
  }) as typeof globalThis.fetch;
  const sleep = async (ms: number): Promise<void> => {
    sleeps.push(ms);
    t += ms;
  };
  const options = (extra: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
    apiUrl: API,
    appId: APP_ID,
    deadlineMs: 60_000,
    attemptTimeoutMs: 20,
    fetch,
    sleep,
    now: () => t,
    random: () => 0.5,
    onAttempt: (a) => attempts.push(a),
    ...extra,
  });
  return {calls, sleeps, attempts, options, now: () => t};
}

describe('status matrix', () => {
  // [#, what Heap does, retried?]
  const MATRIX: [number, Step, boolean][] = [
    [1, 200, false],
    [2, 202, false],
    [3, 204, false],
    [4, 400, false],
    [5, 401, false],
    [6, 403, false],
    [7, 404, false],
    [8, 408, true],
    [9, 413, false],
    [10, 422, false],
    [11, 429, true],
    [12, 500, true],
    [13, 501, false],
    [14, 502, true],
    [15, 503, true],
    [16, 504, true],
    [17, 'network', true],
    [18, 'timeout', true],
  ];

  describe.each(MATRIX)('#%i %s', (_n, step, retried) => {
    const isSuccess = typeof step === 'number' && step < 300;

    if (isSuccess) {
      it('is delivered in one attempt', async () => {
        const h = harness([step]);
        const result = await sendToHeap(EVENTS, h.options());
        expect(result).toEqual({ok: true, status: step, attempts: 1, elapsedMs: 0});
        expect(h.calls).toHaveLength(1);
        expect(h.sleeps).toEqual([]);
        expect(h.attempts).toEqual([{attempt: 1, status: step}]);
      });
      return;
    }

    if (retried) {
      it('is retried, then delivered', async () => {
        const h = harness([step, step, 200]);
        const result = await sendToHeap(EVENTS, h.options());
        expect(result).toMatchObject({ok: true, status: 200, attempts: 3});
        expect(h.calls).toHaveLength(3);
        expect(h.sleeps).toEqual([125, 250]);
      });

      it('gives up after maxAttempts with outcome deadline', async () => {
        const h = harness([step]);
        const policy: RetryPolicy = {baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 4};
        const result = await sendToHeap(EVENTS, h.options({policy}));
        expect(result).toMatchObject({ok: false, outcome: 'deadline', attempts: 4});
        expect(h.calls).toHaveLength(4);
        expect(h.sleeps).toEqual([50, 100, 200]);
        if (typeof step === 'number') expect(result).toMatchObject({status: step});
        else expect(result).not.toHaveProperty('status', expect.any(Number));
        expect(!result.ok && result.reason).toMatch(
          step === 'timeout' ? /timeout/ : step === 'network' ? /ECONNRESET/ : new RegExp(`${step}: status ${step}`),
        );
      });
      return;
    }

    it('is rejected at once, with Heap’s text as the reason', async () => {
      const h = harness([step, 200]);
      const result = await sendToHeap(EVENTS, h.options());
      expect(result).toEqual({
        ok: false,
        outcome: 'rejected',
        status: step,
        reason: `status ${step}`,
        attempts: 1,
        elapsedMs: 0,
      });
      expect(h.calls).toHaveLength(1);
      expect(h.sleeps).toEqual([]);
      expect(h.attempts).toEqual([{attempt: 1, status: step, error: `status ${step}`}]);
    });
  });
});

describe('the sleep schedule', () => {
  it('follows full jitter over the default policy, then stops after 8 attempts', async () => {
    const h = harness([503]);
    const result = await sendToHeap(EVENTS, h.options({deadlineMs: 3_600_000}));
    expect(h.sleeps).toEqual([125, 250, 500, 1000, 2000, 4000, 4000]);
    expect(result).toMatchObject({ok: false, outcome: 'deadline', status: 503, attempts: 8, elapsedMs: 11_875});
    expect(!result.ok && result.reason).toMatch(/^gave up after 8 attempts; last failure 503: status 503$/);
  });

  it('draws a fresh random number for each wait', async () => {
    const draws = [0.1, 0.9, 0.25];
    const h = harness([500, 500, 500, 200]);
    await sendToHeap(EVENTS, h.options({random: () => draws.shift()!}));
    expect(h.sleeps).toEqual([25, 450, 250]);
  });

  it('reports each attempt to onAttempt, with the wait that follows', async () => {
    const h = harness([{status: 503, body: 'busy'}, 'network', 200]);
    await sendToHeap(EVENTS, h.options());
    expect(h.attempts).toEqual([
      {attempt: 1, status: 503, error: 'busy', delayMs: 125},
      {attempt: 2, status: undefined, error: 'network error: fetch failed: read ECONNRESET', delayMs: 250},
      {attempt: 3, status: 200},
    ]);
  });
});

describe('Retry-After', () => {
  it('as delta-seconds is waited out', async () => {
    const h = harness([{status: 429, headers: {'retry-after': '3'}}, 200]);
    const result = await sendToHeap(EVENTS, h.options());
    expect(h.sleeps).toEqual([3_000]);
    expect(result).toMatchObject({ok: true, attempts: 2, elapsedMs: 3_000});
  });

  it('as an HTTP date is waited out until that time', async () => {
    const h = harness([{status: 503, headers: {'retry-after': new Date(T0 + 5_000).toUTCString()}}, 200]);
    await sendToHeap(EVENTS, h.options());
    expect(h.sleeps).toEqual([5_000]);
    expect(h.calls[1]!.at).toBe(T0 + 5_000);
  });

  it('is a minimum: a longer jittered backoff wins', async () => {
    const h = harness([{status: 429, headers: {'retry-after': '1'}}, 200]);
    await sendToHeap(EVENTS, h.options({policy: {baseDelayMs: 4_000, maxDelayMs: 8_000, maxAttempts: 3}}));
    expect(h.sleeps).toEqual([2_000]);
  });

  it('of 0 or garbage leaves the backoff alone', async () => {
    const h = harness([
      {status: 429, headers: {'retry-after': '0'}},
      {status: 429, headers: {'retry-after': 'soon'}},
      200,
    ]);
    await sendToHeap(EVENTS, h.options());
    expect(h.sleeps).toEqual([125, 250]);
  });

  it('is ignored on a final answer', async () => {
    const h = harness([{status: 400, headers: {'retry-after': '1'}, body: 'bad'}]);
    const result = await sendToHeap(EVENTS, h.options());
    expect(result).toMatchObject({ok: false, outcome: 'rejected', attempts: 1});
    expect(h.sleeps).toEqual([]);
  });
});

describe('the deadline', () => {
  it('stops when the next attempt could not start before it, and never sleeps past it', async () => {
    const h = harness([503], 5);
    const result = await sendToHeap(EVENTS, h.options({deadlineMs: 1_000}));
    // attempts at 0, 130, 385, 890 (5 ms each); a 1000 ms wait from 895 would pass 1000.
    expect(h.calls.map((c) => c.at - T0)).toEqual([0, 130, 385, 890]);
    expect(h.sleeps).toEqual([125, 250, 500]);
    expect(result).toMatchObject({ok: false, outcome: 'deadline', status: 503, attempts: 4, elapsedMs: 895});
    expect(!result.ok && result.reason).toMatch(
      /could not start before the deadline \(wait 1000 ms, 105 ms left\); last failure 503/,
    );
    expect(h.now()).toBeLessThan(T0 + 1_000);
  });

  it('stops at once when Retry-After is beyond it', async () => {
    const h = harness([{status: 429, headers: {'retry-after': '120'}}, 200]);
    const result = await sendToHeap(EVENTS, h.options({deadlineMs: 25_000}));
    expect(result).toMatchObject({ok: false, outcome: 'deadline', status: 429, attempts: 1});
    expect(!result.ok && result.reason).toMatch(/Retry-After 120000 ms, 25000 ms left/);
    expect(h.sleeps).toEqual([]);
    expect(h.calls).toHaveLength(1);
  });

  it('with no time left makes no attempt', async () => {
    const h = harness([200]);
    const result = await sendToHeap(EVENTS, h.options({deadlineMs: 0}));
    expect(result).toMatchObject({ok: false, outcome: 'deadline', attempts: 0});
    expect(h.calls).toHaveLength(0);
  });

  it("reports Heap's last answer as the status even when later attempts got none (timeouts)", async () => {
    const h = harness([503, 'timeout']);
    const result = await sendToHeap(EVENTS, h.options());
    expect(result).toMatchObject({ok: false, outcome: 'deadline', status: 503, attempts: 8});
    expect(!result.ok && result.reason).toMatch(/gave up after 8 attempts; last failure timeout/);
  });

  it('stops if a slow sleep overran it', async () => {
    const h = harness([503, 200]);
    const opts = h.options({deadlineMs: 1_000});
    const result = await sendToHeap(EVENTS, {...opts, sleep: async (ms) => opts.sleep!(ms + 5_000)});
    expect(result).toMatchObject({ok: false, outcome: 'deadline', status: 503, attempts: 1});
    expect(!result.ok && result.reason).toMatch(/deadline passed after 1 attempts; last failure 503/);
  });

  it('bounds a hanging attempt by the time left, not only by attemptTimeoutMs (real clock)', async () => {
    const h = harness(['timeout']);
    const started = Date.now();
    const result = await sendToHeap(EVENTS, {
      ...h.options({deadlineMs: 40, attemptTimeoutMs: 10_000}),
      now: Date.now,
      sleep: undefined,
    });
    expect(result).toMatchObject({ok: false, outcome: 'deadline', attempts: 1});
    expect(!result.ok && result.reason).toMatch(/timeout: no answer within 40 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('the request', () => {
  it('is one bulk-shaped JSON POST to /api/track, identical on every attempt', async () => {
    const h = harness([503, 200]);
    await sendToHeap(EVENTS, h.options({apiUrl: 'https://c.eu.heap-api.com/'}));
    expect(h.calls).toHaveLength(2);
    for (const {url, init} of h.calls) {
      expect(url).toBe('https://c.eu.heap-api.com/api/track');
      expect(init.method).toBe('POST');
      expect(new Headers(init.headers).get('content-type')).toBe('application/json');
      expect(JSON.parse(init.body as string)).toEqual({app_id: APP_ID, events: EVENTS});
      expect(init.signal).toBeInstanceOf(AbortSignal);
    }
    expect(h.calls[0]!.init.body).toBe(h.calls[1]!.init.body);
  });

  it('accepts 1 to 1000 events and throws RangeError otherwise', async () => {
    const h = harness([200]);
    await expect(sendToHeap([], h.options())).rejects.toThrow(RangeError);
    await expect(
      sendToHeap(
        Array.from({length: 1001}, (_, i) => event(i)),
        h.options(),
      ),
    ).rejects.toThrow(/1 to 1000 events.*1001/);
    expect(h.calls).toHaveLength(0);
    await expect(
      sendToHeap(
        Array.from({length: 1000}, (_, i) => event(i)),
        h.options(),
      ),
    ).resolves.toMatchObject({ok: true});
    expect(JSON.parse(h.calls[0]!.init.body as string).events).toHaveLength(1000);
  });

  it('throws on bad configuration rather than retrying it', async () => {
    const h = harness([200]);
    await expect(sendToHeap(EVENTS, h.options({apiUrl: 'heapanalytics.com'}))).rejects.toThrow(/apiUrl is not a URL/);
    await expect(sendToHeap(EVENTS, h.options({apiUrl: 'ftp://x'}))).rejects.toThrow(/http\(s\)/);
    await expect(sendToHeap(EVENTS, h.options({appId: ''}))).rejects.toThrow(/appId/);
    await expect(sendToHeap(EVENTS, h.options({deadlineMs: Number.NaN}))).rejects.toThrow(RangeError);
    await expect(
      sendToHeap(EVENTS, h.options({policy: {baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 0}})),
    ).rejects.toThrow(RangeError);
    expect(h.calls).toHaveLength(0);
  });
});

describe('the reason', () => {
  it('never contains the app id', async () => {
    const h = harness([{status: 400, body: `app_id ${APP_ID} is not a valid environment`}]);
    const result = await sendToHeap(EVENTS, h.options());
    expect(!result.ok && result.reason).toBe('app_id [redacted] is not a valid environment');
    expect(JSON.stringify(result)).not.toContain(APP_ID);
    expect(JSON.stringify(h.attempts)).not.toContain(APP_ID);
  });

  it('never contains the app id split by whitespace, nor its beginning cut at the read limit', async () => {
    const split = `app_id <b>${APP_ID.slice(0, 5)}\n   ${APP_ID.slice(5)}</b> unknown`;
    // Whitespace first, so the cut lands inside the app id and collapsing brings it into the reason.
    const cut = `${' '.repeat(MAX_REASON_LENGTH * 2 - 6)}${APP_ID} is unknown`;
    for (const body of [split, cut]) {
      const h = harness([{status: 400, body}]);
      const result = await sendToHeap(EVENTS, h.options());
      const text = JSON.stringify([result, h.attempts]);
      expect(text).toContain('[redacted]');
      for (let i = 0; i + 3 <= APP_ID.length; i++) expect(text).not.toContain(APP_ID.slice(i, i + 3));
    }
  });

  it('reads only a few hundred characters of an endless body, on one line', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls += 1;
        c.enqueue(new TextEncoder().encode('bad\nrequest '.repeat(10)));
      },
    });
    const h = harness([{status: 400, body: endless}]);
    const result = await sendToHeap(EVENTS, h.options());
    expect(!result.ok && result.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(!result.ok && result.reason).toMatch(/^bad request bad request .*…$/);
    expect(pulls).toBeLessThan(20);
  });

  it('falls back to the status when the body is empty', async () => {
    const h = harness([{status: 403, body: ''}]);
    const result = await sendToHeap(EVENTS, h.options());
    expect(result).toMatchObject({ok: false, outcome: 'rejected', status: 403, reason: 'HTTP 403'});
  });

  it('times out a fetch that ignores its signal, and a body that stalls', async () => {
    const h = harness([200]);
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('partial'));
      },
    });
    let n = 0;
    const fetch = (async () => {
      n += 1;
      if (n === 1) return await new Promise<Response>(() => {});
      if (n === 2) return new Response(stalled, {status: 503});
      return new Response('ok');
    }) as unknown as typeof globalThis.fetch;
    const result = await sendToHeap(EVENTS, h.options({fetch}));
    expect(result).toMatchObject({ok: true, attempts: 3});
    expect(h.attempts.slice(0, 2)).toEqual([
      {attempt: 1, status: undefined, error: 'timeout: no answer within 20 ms', delayMs: 125},
      {attempt: 2, status: 503, error: 'partial', delayMs: 250},
    ]);
  });

  it('turns anything a fetch throws into a retryable network error', async () => {
    let n = 0;
    const h = harness([200]);
    const fetch = (async () => {
      n += 1;
      if (n === 1) throw 'weird';
      return new Response('ok');
    }) as unknown as typeof globalThis.fetch;
    const result = await sendToHeap(EVENTS, h.options({fetch}));
    expect(result).toMatchObject({ok: true, attempts: 2});
    expect(h.attempts[0]).toMatchObject({error: 'network error: weird'});
  });
});

describe('against a real HTTP server on 127.0.0.1', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(
    handler: (n: number, req: IncomingMessage, res: ServerResponse, body: string) => void,
  ): Promise<{url: string; bodies: string[]}> {
    const bodies: string[] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        bodies.push(body);
        handler(bodies.length, req, res, body);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies};
  }

  const fast: RetryPolicy = {baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 5};

  /** Deliver EVENTS to `url` with the fast policy, recording every attempt. */
  async function deliver(url: string): Promise<{result: DeliveryResult; attempts: AttemptInfo[]}> {
    const attempts: AttemptInfo[] = [];
    const result = await sendToHeap(EVENTS, {
      apiUrl: url,
      appId: APP_ID,
      deadlineMs: 5_000,
      policy: fast,
      onAttempt: (a) => attempts.push(a),
    });
    return {result, attempts};
  }

  it('delivers after a 503 with Retry-After, sending the same body twice', async () => {
    const seen: string[] = [];
    const {url, bodies} = await serve((n, req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      if (n === 1) {
        res.writeHead(503, {'retry-after': '0', 'content-type': 'text/plain'}).end('overloaded');
      } else {
        res.writeHead(200).end();
      }
    });
    const {result, attempts} = await deliver(url);
    expect(result).toMatchObject({ok: true, status: 200, attempts: 2});
    expect(attempts[0]).toMatchObject({attempt: 1, status: 503, error: 'overloaded'});
    expect(seen).toEqual(['POST /api/track application/json', 'POST /api/track application/json']);
    expect(bodies[0]).toBe(bodies[1]);
    expect(JSON.parse(bodies[0]!)).toEqual({app_id: APP_ID, events: EVENTS});
  });

  it('retries a connection reset', async () => {
    const {url, bodies} = await serve((n, req, res) => {
      if (n === 1) req.socket.resetAndDestroy();
      else res.writeHead(200).end();
    });
    const {result, attempts} = await deliver(url);
    expect(result).toMatchObject({ok: true, status: 200, attempts: 2});
    expect(attempts[0]).toMatchObject({attempt: 1, error: expect.stringMatching(/^network error: /)});
    expect(attempts[0]!.status).toBeUndefined();
    expect(bodies).toHaveLength(2);
  });

  it('times out a server that never answers and gives up by the deadline', async () => {
    const {url, bodies} = await serve(() => {
      /* never answer */
    });
    const started = Date.now();
    const result = await sendToHeap(EVENTS, {
      apiUrl: url,
      appId: APP_ID,
      deadlineMs: 400,
      attemptTimeoutMs: 100,
      policy: fast,
    });
    expect(result).toMatchObject({ok: false, outcome: 'deadline'});
    expect(!result.ok && result.attempts).toBeGreaterThanOrEqual(2);
    // Each attempt reached the server, except perhaps the last, which the deadline may abort
    // before its body arrives on a loaded machine.
    const attempts = !result.ok ? result.attempts : -1;
    expect(bodies.length).toBeLessThanOrEqual(attempts);
    expect(bodies.length).toBeGreaterThanOrEqual(attempts - 1);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
