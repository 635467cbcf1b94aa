/**
 * The handler, called in-process against Local Heap in strict mode (real HTTP on
 * 127.0.0.1), with event.data computed by groq-js from the blueprint's own
 * filter and projection. The exported `handler` is used as deployed (config from
 * process.env, log line on console.log); createHandler only where a test needs
 * a short deadline.
 */
import type {FunctionContext} from '@sanity/functions';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest';
import {createHandler, handler, type LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {idempotencyKey} from '../../shared/content-event.ts';
import {FUNCTION_NAME} from '../../shared/function-settings.ts';
import {fixture, projectChange} from '../../tools/function-event.ts';

const APP_ID = '4242424242';
const TOKEN = 'skTestTokenThatMustNeverBeLogged0123456789';
const RESOURCE = 'proj1.production';
const ARTICLE_ID = 'article-heap-meets-sanity';

const context = {
  eventResourceType: 'dataset',
  eventResourceId: RESOURCE,
  functionResourceType: 'project',
  functionResourceId: 'proj1',
  clientOptions: {projectId: 'proj1', dataset: 'production', token: TOKEN},
} as unknown as FunctionContext;

let heap: LocalHeap;

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
});
afterAll(async () => {
  await heap?.close();
});
beforeEach(() => {
  heap.reset();
  vi.stubEnv('HEAP_APP_ID', APP_ID);
  vi.stubEnv('HEAP_API_URL', heap.url);
  vi.stubEnv('HEAP_IDENTITY', '');
  vi.stubEnv('HEAP_DRY_RUN', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

interface Run {
  lines: string[];
  records: LogRecord[];
  error?: Error;
}

/** Call the exported handler, capturing console output (where the log line goes). */
async function run(data: unknown, ctx: FunctionContext = context, fn = handler): Promise<Run> {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'info').mockImplementation(capture);
  vi.spyOn(console, 'warn').mockImplementation(capture);
  vi.spyOn(console, 'error').mockImplementation(capture);
  let error: Error | undefined;
  try {
    await fn({context: ctx, event: {data}});
  } catch (e) {
    error = e as Error;
  } finally {
    vi.restoreAllMocks();
  }
  return {lines, records: lines.map((l) => JSON.parse(l) as LogRecord), error};
}

/** Exactly one JSON line, with no secret in it. */
function theLine(r: Run): LogRecord {
  expect(r.lines).toHaveLength(1);
  expect(r.lines[0]).not.toContain(APP_ID);
  expect(r.lines[0]).not.toContain(TOKEN);
  const record = r.records[0]!;
  expect(record.fn).toBe(FUNCTION_NAME);
  expect(record.elapsed_ms).toBeGreaterThanOrEqual(0);
  return record;
}

const articleProperties = {
  content_id: ARTICLE_ID,
  content_type: 'article',
  slug: 'heap-meet-sanity',
  author: 'Ada Lovelace',
  topics: 'Analytics||Content operations',
  locale: 'en-GB',
  experiment_key: 'headline-test',
  experiment_variant: 'long-headline',
  published_at: '2025-03-01T09:30:00.000Z',
  dataset: 'production',
};

describe('create, update, delete reach Local Heap (strict)', () => {
  it('create → one "Content Published" with the plan properties, _updatedAt as timestamp and a deterministic key', async () => {
    const data = await projectChange(null, fixture('article.v1.json'));
    const r = await run(data);
    expect(r.error).toBeUndefined();
    expect(theLine(r)).toMatchObject({
      outcome: 'delivered',
      event: 'Content Published',
      content_id: ARTICLE_ID,
      content_type: 'article',
      operation: 'create',
      attempts: 1,
      status: 200,
      reason: null,
      warnings: [],
      resource_id: RESOURCE,
    });
    const events = heap.events();
    expect(events).toHaveLength(1);
    const key = idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-1', 'create');
    expect(key).toContain(RESOURCE);
    expect(key).toContain('rev-article-1');
    expect(events[0]).toMatchObject({
      app_id: APP_ID,
      event: 'Content Published',
      identity: 'system:sanity-content',
      timestamp: '2025-03-01T09:30:00.000Z',
      idempotency_key: key,
      warnings: [],
    });
    expect(events[0]!.properties).toEqual({
      ...articleProperties,
      title: 'Heap, meet Sanity',
      campaign: 'spring-launch',
      revision: 'rev-article-1',
    });
  });

  it('update → "Content Updated" with changed_properties', async () => {
    const data = await projectChange(fixture('article.v1.json'), fixture('article.v2.json'));
    const r = await run(data);
    expect(r.error).toBeUndefined();
    expect(theLine(r)).toMatchObject({
      outcome: 'delivered',
      event: 'Content Updated',
      operation: 'update',
      attempts: 1,
      status: 200,
    });
    const [event] = heap.events();
    expect(heap.events()).toHaveLength(1);
    expect(event).toMatchObject({
      event: 'Content Updated',
      timestamp: '2025-03-04T14:15:00.000Z',
      idempotency_key: idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-2', 'update'),
    });
    expect(event!.properties).toEqual({
      ...articleProperties,
      title: 'Heap, meet Sanity: every publish is an event',
      campaign: 'summer-relaunch',
      revision: 'rev-article-2',
      changed_properties: 'title||campaign',
    });
  });

  it('delete → "Content Deleted" read through before(), timestamped when handled', async () => {
    const data = await projectChange(fixture('article.v2.json'), null);
    const before = Date.now();
    const r = await run(data);
    const after = Date.now();
    expect(r.error).toBeUndefined();
    expect(theLine(r)).toMatchObject({
      outcome: 'delivered',
      event: 'Content Deleted',
      operation: 'delete',
      content_id: ARTICLE_ID,
    });
    const [event] = heap.events();
    expect(heap.events()).toHaveLength(1);
    expect(event!.event).toBe('Content Deleted');
    expect(event!.idempotency_key).toBe(idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-2', 'delete'));
    const ts = Date.parse(event!.timestamp!);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after);
    expect(event!.properties).toMatchObject({
      content_id: ARTICLE_ID,
      title: 'Heap, meet Sanity: every publish is an event',
      revision: 'rev-article-2',
    });
    expect(event!.properties).not.toHaveProperty('changed_properties');
  });

  it('the same change handled twice is stored once (idempotency key)', async () => {
    const data = await projectChange(null, fixture('landing-page.json'));
    const first = await run(data);
    const second = await run(data);
    expect(theLine(first).outcome).toBe('delivered');
    expect(theLine(second).outcome).toBe('delivered');
    expect(heap.events()).toHaveLength(1);
    expect(heap.duplicates()).toHaveLength(1);
    expect(heap.events()[0]!.properties).toMatchObject({
      content_type: 'landingPage',
      release_id: 'rSpringSale',
      locale: 'de-DE',
    });
  });

  it('HEAP_IDENTITY sets the identity events belong to', async () => {
    vi.stubEnv('HEAP_IDENTITY', 'system:staging-content');
    const r = await run(await projectChange(null, fixture('article.v1.json')));
    expect(theLine(r).outcome).toBe('delivered');
    expect(heap.events()[0]!.identity).toBe('system:staging-content');
  });
});

describe('delivery outcomes', () => {
  it('503 then 200 → one stored event, two attempts, logged', async () => {
    heap.injectFault({count: 1, status: 503});
    const r = await run(await projectChange(null, fixture('article.v1.json')));
    expect(r.error).toBeUndefined();
    const line = theLine(r);
    expect(line).toMatchObject({outcome: 'delivered', attempts: 2, status: 200});
    expect(line.attempt_log?.map((a) => a.status)).toEqual([503, 200]);
    expect(heap.events()).toHaveLength(1);
    expect(heap.stats().requests).toBe(2);
  });

  it("400 → the invocation throws with Heap's reason, status and attempts; nothing stored", async () => {
    heap.injectFault({count: 1, status: 400, body: 'properties should be object'});
    const r = await run(await projectChange(null, fixture('article.v1.json')));
    expect(r.error?.message).toMatch(
      /Heap rejected "Content Published" for article-heap-meets-sanity with HTTP 400 after 1 attempt: properties should be object/,
    );
    expect(theLine(r)).toMatchObject({
      outcome: 'failed',
      status: 400,
      attempts: 1,
      reason: 'properties should be object',
    });
    expect(heap.events()).toHaveLength(0);
    expect(heap.stats().requests).toBe(1);
  });

  it('Heap failing past the deadline → throws "deadline" in time, with attempts and last status', async () => {
    heap.injectFault({count: 1000, status: 503});
    const short = createHandler({deadlineMs: 1200});
    const started = Date.now();
    const r = await run(await projectChange(null, fixture('article.v1.json')), context, short);
    const took = Date.now() - started;
    expect(r.error?.message).toMatch(
      /Heap did not accept "Content Published" for article-heap-meets-sanity after \d+ attempts \(delivery deadline \d+ ms, last status 503\): /,
    );
    const line = theLine(r);
    expect(line.outcome).toBe('failed');
    expect(line.status).toBe(503);
    expect(line.attempts).toBeGreaterThanOrEqual(2);
    expect(line.attempt_log).toHaveLength(line.attempts);
    expect(took).toBeLessThan(1200 + 1000);
    expect(heap.events()).toHaveLength(0);
  });

  it('Heap not answering at all → the attempt is cut at the deadline', async () => {
    heap.injectFault({count: 10, hang: true});
    const short = createHandler({deadlineMs: 800});
    const started = Date.now();
    const r = await run(await projectChange(null, fixture('article.v1.json')), context, short);
    expect(Date.now() - started).toBeLessThan(800 + 1000);
    expect(r.error?.message).toMatch(/delivery deadline.*timeout/);
    expect(theLine(r)).toMatchObject({outcome: 'failed', status: null});
  });

  it('HEAP_DRY_RUN=1 logs the exact request (app id redacted) and sends nothing', async () => {
    vi.stubEnv('HEAP_DRY_RUN', '1');
    const r = await run(await projectChange(null, fixture('article.v1.json')));
    expect(r.error).toBeUndefined();
    const line = theLine(r);
    expect(line.outcome).toBe('dry_run');
    expect(line.attempts).toBe(0);
    expect(line.request?.method).toBe('POST');
    expect(line.request?.url).toBe(`${heap.url}/api/track`);
    expect(line.request?.body.app_id).toBe('42…42');
    expect(line.request?.body.events).toHaveLength(1);
    expect(line.request?.body.events[0]).toMatchObject({
      event: 'Content Published',
      identity: 'system:sanity-content',
      timestamp: '2025-03-01T09:30:00.000Z',
      idempotency_key: idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-1', 'create'),
      properties: {content_id: ARTICLE_ID, title: 'Heap, meet Sanity'},
    });
    expect(heap.stats().requests).toBe(0);
  });

  it('no HEAP_APP_ID → throws the configuration message, logged once, nothing sent', async () => {
    vi.stubEnv('HEAP_APP_ID', '');
    const r = await run(await projectChange(null, fixture('article.v1.json')));
    expect(r.error?.name).toBe('ConfigError');
    expect(r.error?.message).toContain('HEAP_APP_ID');
    expect(r.error?.message).toContain('npx sanity-run functions env add heap-content-sync HEAP_APP_ID');
    expect(theLine(r)).toMatchObject({outcome: 'failed', reason: r.error?.message, attempts: 0});
    expect(heap.stats().requests).toBe(0);
  });
});

describe('bad input is skipped with a reason (and nothing is sent)', () => {
  const good = {
    operation: 'create',
    _id: 'article-1',
    _type: 'article',
    _rev: 'r1',
    _updatedAt: '2025-01-01T00:00:00Z',
    content_id: 'article-1',
    content_type: 'article',
    title: 'T',
    revision: 'r1',
    previous: null,
  };
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /event\.data is null, expected an object/],
    ['an array', [good], /event\.data is an array/],
    ['a string', 'article-1', /event\.data is a string/],
    ['no _id', {...good, _id: undefined, content_id: undefined}, /_id missing or not a string/],
    ['a numeric _id', {...good, _id: 42}, /_id missing or not a string/],
    ['no _type', {...good, _type: undefined}, /_type missing or not a string/],
    ['no _rev', {...good, _rev: undefined}, /_rev missing/],
    [
      'a draft id',
      {...good, _id: 'drafts.article-1', content_id: 'article-1'},
      /drafts\.article-1 is a draft or release version/,
    ],
    ['a release version id', {...good, _id: 'versions.rSpring.article-1'}, /is a draft or release version/],
    ['an untracked type', {...good, _type: 'author'}, /type "author" is not tracked/],
    [
      'an unknown operation',
      {...good, operation: 'publish'},
      /operation is a string \("publish"\), expected "create", "update" or "delete"/,
    ],
  ];
  for (const [name, data, reason] of cases) {
    it(`${name}`, async () => {
      const r = await run(data);
      expect(r.error).toBeUndefined();
      const line = theLine(r);
      expect(line.outcome).toBe('skipped');
      expect(line.reason).toMatch(reason);
      expect(line.attempts).toBe(0);
      expect(heap.stats().requests).toBe(0);
    });
  }

  it('huge values are cut, with warnings, and still accepted by strict Local Heap', async () => {
    const doc = {...fixture('article.v1.json'), title: `🙂${'x'.repeat(5000)}`, locale: 'en'.repeat(50)};
    const r = await run(await projectChange(null, doc));
    const line = theLine(r);
    expect(line.outcome).toBe('delivered');
    expect(line.warnings.join('\n')).toMatch(/title: cut from 5002 to \d+ characters/);
    expect(line.warnings.join('\n')).toMatch(/locale: cut/);
    const title = heap.events()[0]!.properties.title as string;
    expect(title.length).toBeLessThan(1024);
    expect(title.startsWith('🙂')).toBe(true);
  });
});

describe('payloads without the projection', () => {
  it('a projected payload with no operation (plain --data) is treated as a publish and says so', async () => {
    const data = await projectChange(null, null, [fixture('article.v1.json')]);
    // With neither before nor after, delta::operation() is null: what `functions test --data` produces.
    expect(data).toMatchObject({operation: null, _id: ARTICLE_ID});
    const r = await run(data);
    const line = theLine(r);
    expect(line).toMatchObject({
      outcome: 'delivered',
      event: 'Content Published',
      operation: 'create',
      operation_assumed: true,
    });
    expect(line.warnings.join('\n')).toMatch(/treated as a publish/);
    expect(line).not.toHaveProperty('projected');
  });

  it('a raw document (no projection at all) is treated as a publish, read through the plan, and says so', async () => {
    const r = await run(fixture('article.v1.json'));
    const line = theLine(r);
    expect(line).toMatchObject({outcome: 'delivered', operation: 'create', operation_assumed: true, projected: false});
    expect(line.warnings.join('\n')).toMatch(/not projected.*author, topics need the projection/);
    const [event] = heap.events();
    expect(event!.properties).toMatchObject({
      content_id: ARTICLE_ID,
      slug: 'heap-meet-sanity',
      title: 'Heap, meet Sanity',
      campaign: 'spring-launch',
    });
    expect(event!.properties).not.toHaveProperty('author');
    expect(event!.timestamp).toBe('2025-03-01T09:30:00.000Z');
  });
});

describe('where the dataset comes from', () => {
  it('falls back to clientOptions when eventResourceId is missing', async () => {
    const ctx = {...context, eventResourceId: ''} as FunctionContext;
    const r = await run(await projectChange(null, fixture('article.v1.json')), ctx);
    expect(theLine(r)).toMatchObject({outcome: 'delivered', resource_id: RESOURCE});
  });

  it('locally without project and dataset (the CLI gives "undefined.undefined") uses local.local with a warning', async () => {
    const ctx = {
      ...context,
      local: true,
      eventResourceId: 'undefined.undefined',
      clientOptions: {},
    } as unknown as FunctionContext;
    const r = await run(await projectChange(null, fixture('article.v1.json')), ctx);
    const line = theLine(r);
    expect(line).toMatchObject({outcome: 'delivered', resource_id: 'local.local', local: true});
    expect(line.warnings.join('\n')).toMatch(/--project-id and --dataset/);
    expect(heap.events()[0]!.properties.dataset).toBe('local');
  });

  it('deployed without any resource id → fails rather than send a wrongly keyed event', async () => {
    const ctx = {...context, eventResourceId: '', clientOptions: {token: TOKEN}} as unknown as FunctionContext;
    const r = await run(await projectChange(null, fixture('article.v1.json')), ctx);
    expect(r.error?.message).toMatch(/cannot tell which dataset changed/);
    expect(theLine(r).outcome).toBe('failed');
    expect(heap.stats().requests).toBe(0);
  });
});
