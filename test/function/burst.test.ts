/**
 * A release publishing 200 documents at once fires 200 invocations. Here: 200
 * handler invocations started within one second, in-process and concurrent,
 * against Local Heap with its real (documented, unscaled) rate limits on and
 * strict validation: every event is stored exactly once, and every invocation
 * finishes within the function's timeout.
 */
import type {FunctionContext} from '@sanity/functions';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {handler, type LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {FUNCTION_TIMEOUT_SECONDS} from '../../shared/function-settings.ts';
import {fixture, projectChange} from '../../tools/function-event.ts';

const N = 200;
const START_WINDOW_MS = 1000;
const context = {
  eventResourceType: 'dataset',
  eventResourceId: 'proj1.production',
  functionResourceType: 'project',
  functionResourceId: 'proj1',
  clientOptions: {projectId: 'proj1', dataset: 'production', token: 'skBurstTestToken000000000000'},
} as unknown as FunctionContext;

let heap: LocalHeap;

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true, rateLimits: true});
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await heap?.close();
});

it(
  `${N} invocations started within ${START_WINDOW_MS} ms: all stored, each exactly once, within the function timeout`,
  async () => {
    vi.stubEnv('HEAP_APP_ID', '4242424242');
    vi.stubEnv('HEAP_API_URL', heap.url);
    vi.stubEnv('HEAP_IDENTITY', '');
    vi.stubEnv('HEAP_DRY_RUN', '');

    const base = fixture('article.v1.json');
    const payloads = await Promise.all(
      Array.from({length: N}, (_, i) =>
        projectChange(null, {
          ...base,
          _id: `release-article-${i}`,
          _rev: `rev-${i}`,
          title: `Release article ${i}`,
          slug: {current: `release-${i}`},
        }),
      ),
    );

    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const durations: number[] = [];
    const started = Date.now();
    try {
      const results = await Promise.allSettled(
        payloads.map(async (data, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.floor((i * START_WINDOW_MS) / N)));
          const t0 = Date.now();
          await handler({context, event: {data}});
          durations.push(Date.now() - t0);
        }),
      );
      const failures = results.filter((r) => r.status === 'rejected');
      expect(failures.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    const total = Date.now() - started;

    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    expect(records).toHaveLength(N);
    expect(records.every((r) => r.outcome === 'delivered')).toBe(true);

    const events = heap.events();
    expect(events).toHaveLength(N);
    expect(heap.duplicates()).toHaveLength(0);
    const ids = new Set(events.map((e) => e.properties.content_id));
    const keys = new Set(events.map((e) => e.idempotency_key));
    expect(ids.size).toBe(N);
    expect(keys.size).toBe(N);
    for (let i = 0; i < N; i++) expect(ids.has(`release-article-${i}`)).toBe(true);
    expect(heap.rejections().filter((r) => r.status !== 429)).toEqual([]);

    expect(Math.max(...durations)).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
    expect(total).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
  },
  FUNCTION_TIMEOUT_SECONDS * 1000 + 10_000,
);
