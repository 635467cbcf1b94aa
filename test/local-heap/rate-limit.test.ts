import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {RateLimiter, retryAfterSeconds} from '../../local-heap/rate-limit.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {RATE_LIMITS} from '../../shared/heap-rules.ts';
import {APP_ID, bulk, post, single, track} from './http.ts';

const started: LocalHeap[] = [];
async function start(rateLimits: boolean | {timeScale?: number}): Promise<LocalHeap> {
  const heap = await startLocalHeap({port: 0, rateLimits});
  started.push(heap);
  return heap;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((h) => h.close()));
});

function retryAfterMs(res: {headers: Headers}): number {
  return Number(res.headers.get('x-local-heap-retry-after-ms'));
}

describe('sliding windows (pure, with a fake clock)', () => {
  it('refuses the 31st single request within 30 s and frees exactly when the oldest leaves the window', () => {
    let now = 1_000_000;
    const rl = new RateLimiter({now: () => now});
    for (let i = 0; i < 30; i++) {
      expect(rl.checkSingle('app', 'who').ok).toBe(true);
      now += 100;
    }
    // Oldest at 1_000_000, now 1_003_000: it leaves the window at 1_030_000.
    const refused = rl.checkSingle('app', 'who');
    expect(refused).toEqual({
      ok: false,
      retryAfterMs: 27_000,
      reason: expect.stringContaining('30 track requests per 30 s'),
    });
    expect(rl.checkSingle('app', 'someone else').ok).toBe(true);
    expect(rl.checkSingle('other app', 'who').ok).toBe(true);
    now = 1_030_000 - 1;
    expect(rl.checkSingle('app', 'who').ok).toBe(false);
    now = 1_030_000;
    expect(rl.checkSingle('app', 'who').ok).toBe(true);
  });

  it('counts bulk events, waits until enough of them leave the window, and records nothing on refusal', () => {
    let now = 0;
    const rl = new RateLimiter({now: () => now});
    expect(rl.checkBulk('app', new Map([['a', 600]])).ok).toBe(true);
    now = 10_000;
    expect(rl.checkBulk('app', new Map([['a', 300]])).ok).toBe(true);
    now = 20_000;
    // 900 used; 200 more needs the 600 from t=0 to leave, at t=60_000.
    const refused = rl.checkBulk('app', new Map([['a', 200]]));
    expect(refused.ok === false && refused.retryAfterMs).toBe(40_000);
    expect(rl.checkBulk('app', new Map([['a', 100]])).ok).toBe(true);
    expect(rl.checkBulk('app', new Map([['a', 1]])).ok).toBe(false);
  });

  it('add_user_properties: 30 requests per 30 s per identity; a bulk body counts once per identity in it', () => {
    let now = 0;
    const rl = new RateLimiter({now: () => now});
    for (let i = 0; i < 29; i++) {
      expect(rl.checkUsers('app', ['u1']).ok).toBe(true);
      now += 100;
    }
    // A bulk body naming u1 twice and u2 once: u1's 30th request, u2's first.
    expect(rl.checkUsers('app', ['u1', 'u2', 'u1']).ok).toBe(true);
    const refused = rl.checkUsers('app', ['u2', 'u1']);
    expect(refused).toEqual({
      ok: false,
      retryAfterMs: 30_000 - 2_900,
      reason: 'rate limit: more than 30 add_user_properties requests per 30 s for identity "u1"',
    });
    // Refused whole: u2 was not charged for it.
    for (let i = 0; i < 29; i++) expect(rl.checkUsers('app', ['u2']).ok).toBe(true);
    expect(rl.checkUsers('app', ['u2']).ok).toBe(false);
    expect(rl.checkUsers('other app', ['u1']).ok).toBe(true);
    // Track requests have their own budget.
    expect(rl.checkSingle('app', 'u1').ok).toBe(true);
    now = 30_000;
    expect(rl.checkUsers('app', ['u1']).ok).toBe(true);
  });

  it('scales the windows, not the counts, with timeScale', () => {
    let now = 0;
    const rl = new RateLimiter({timeScale: 0.01, now: () => now});
    for (let i = 0; i < RATE_LIMITS.singleTrack.requests; i++) expect(rl.checkSingle('app', 'who').ok).toBe(true);
    const refused = rl.checkSingle('app', 'who');
    expect(refused.ok === false && refused.retryAfterMs).toBe(300);
    now = 300;
    expect(rl.checkSingle('app', 'who').ok).toBe(true);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(29_400)).toBe(30);
  });
});

describe('rate limits over HTTP', () => {
  it('single track: 30 requests per 30 s per identity, then 429 with Retry-After in seconds', async () => {
    const heap = await start(true);
    for (let i = 0; i < 30; i++) expect((await track(heap.url, single())).status).toBe(200);
    const res = await track(heap.url, single({properties: {content_id: 'refused'}}));
    expect(res.status).toBe(429);
    const seconds = Number(res.headers.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(25);
    expect(seconds).toBeLessThanOrEqual(30);
    expect(res.text).toMatch(/^rate limit: more than 30 track requests per 30 s for identity "system:sanity-content"/);
    expect(res.text).not.toContain('1234567890');
    // Another identity has its own budget; nothing of the refused request was stored.
    expect((await track(heap.url, single({identity: 'someone-else'}))).status).toBe(200);
    expect(heap.events().map((e) => e.properties.content_id)).not.toContain('refused');
    expect(heap.stats()).toMatchObject({stored: 31, rateLimited: 1, rejected: 1});
    expect(heap.rejections()[0]).toMatchObject({status: 429, path: '/api/track'});
  });

  it('single track with timeScale: the scaled Retry-After, and accepted again once the window frees', async () => {
    const heap = await start({timeScale: 0.05}); // 30 s -> 1.5 s
    for (let i = 0; i < 30; i++) expect((await track(heap.url, single())).status).toBe(200);
    const res = await track(heap.url, single());
    expect(res.status).toBe(429);
    const ms = retryAfterMs(res);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(1500);
    expect(res.headers.get('retry-after')).toBe(String(Math.max(1, Math.ceil(ms / 1000))));
    await sleep(ms + 20);
    expect((await track(heap.url, single())).status).toBe(200);
  });

  it('add_user_properties: the 31st request within 30 s for one identity gets 429 and stores nothing', async () => {
    const heap = await start(true);
    const update = (identity: string, n: number) =>
      post(heap.url, '/api/add_user_properties', {app_id: APP_ID, identity, properties: {n}});
    for (let i = 0; i < 30; i++) expect((await update('visitor-1', i)).status).toBe(200);
    const refused = await update('visitor-1', 30);
    expect(refused.status).toBe(429);
    expect(refused.text).toBe(
      'rate limit: more than 30 add_user_properties requests per 30 s for identity "visitor-1"',
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await update('visitor-2', 0)).status).toBe(200);
    expect(heap.userProperties().map((u) => u.properties.n)).toEqual([...Array.from({length: 30}, (_, i) => i), 0]);
    expect(heap.stats()).toMatchObject({rejected: 1, rateLimited: 1});
  });

  it('bulk: 1000 events per minute per identity', async () => {
    const heap = await start(true);
    expect((await track(heap.url, bulk(1000))).status).toBe(200);
    const res = await track(heap.url, bulk(1));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(55);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(res.text).toMatch(/1000 bulk events per 60 s for identity/);
    // A bulk body refused for one identity stores none of its events, even other identities'.
    const mixed = await track(
      heap.url,
      bulk(2, (i) => ({identity: i === 0 ? 'other' : 'system:sanity-content'})),
    );
    expect(mixed.status).toBe(429);
    expect(
      (
        await track(
          heap.url,
          bulk(5, () => ({identity: 'other'})),
        )
      ).status,
    ).toBe(200);
    expect(heap.events()).toHaveLength(1005);
  });

  it('bulk: 15,000 events per minute per app_id', async () => {
    const heap = await start({timeScale: 0.5});
    for (let b = 0; b < 15; b++) {
      expect(
        (
          await track(
            heap.url,
            bulk(1000, () => ({identity: `user-${b}`})),
          )
        ).status,
      ).toBe(200);
    }
    const res = await track(
      heap.url,
      bulk(1, () => ({identity: 'fresh-identity'})),
    );
    expect(res.status).toBe(429);
    expect(res.text).toBe('rate limit: more than 15000 bulk events per 30 s for this app_id');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(25);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    // Another app_id is not affected.
    expect((await track(heap.url, {...bulk(1), app_id: 'another-app'})).status).toBe(200);
    expect(heap.stats()).toMatchObject({stored: 15_001, rateLimited: 1});
  });

  it('bulk per identity with timeScale frees after the scaled window', async () => {
    const heap = await start({timeScale: 0.01}); // 60 s -> 600 ms
    expect((await track(heap.url, bulk(1000))).status).toBe(200);
    const res = await track(heap.url, bulk(1));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(retryAfterMs(res)).toBeLessThanOrEqual(600);
    await sleep(retryAfterMs(res) + 20);
    expect((await track(heap.url, bulk(1))).status).toBe(200);
  });

  it('rateLimits: false disables them', async () => {
    const heap = await start(false);
    for (let i = 0; i < 40; i++) expect((await track(heap.url, single())).status).toBe(200);
    expect(heap.stats().rateLimited).toBe(0);
  });

  it('reset() clears the rate-limit counters', async () => {
    const heap = await start(true);
    for (let i = 0; i < 30; i++) await track(heap.url, single());
    expect((await track(heap.url, single())).status).toBe(429);
    heap.reset();
    expect((await track(heap.url, single())).status).toBe(200);
  });
});
