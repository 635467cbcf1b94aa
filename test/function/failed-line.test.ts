/**
 * The failed log line as a dead letter (functions/heap-content-sync/failed-line.ts):
 * it carries the event exactly as the function built it, stays within 16 KB,
 * and says so when it cannot carry it. Through the real handler against Local
 * Heap (strict), and the size policy on its own.
 */
import type {FunctionContext} from '@sanity/functions';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {
  formatFailedLine,
  MAX_LOG_LINE_BYTES,
  MAX_WARNINGS_WHEN_LONG,
} from '../../functions/heap-content-sync/failed-line.ts';
import {createHandler, type LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import type {HeapEvent} from '../../shared/content-event.ts';
import {fixture, projectChange} from '../../tools/function-event.ts';

const APP_ID = '4242424242';
const context = {
  eventResourceId: 'proj1.production',
  clientOptions: {projectId: 'proj1', dataset: 'production'},
} as unknown as FunctionContext;

let heap: LocalHeap;
beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
});
afterAll(async () => {
  await heap?.close();
});
beforeEach(() => heap.reset());
afterEach(() => heap.reset());

async function invoke(data: unknown): Promise<{line: string; record: LogRecord; error?: unknown}> {
  const lines: string[] = [];
  const handler = createHandler({
    env: {HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url},
    deadlineMs: 2000,
    write: (l) => lines.push(l),
  });
  let error: unknown;
  try {
    await handler({context, event: {data}} as never);
  } catch (e) {
    error = e;
  }
  expect(lines).toHaveLength(1);
  return {line: lines[0]!, record: JSON.parse(lines[0]!) as LogRecord, error};
}

/** What Local Heap stored, as the event part of a bulk body. */
function stored(): HeapEvent[] {
  return heap.events().map((e) => ({
    identity: e.identity,
    event: e.event,
    timestamp: e.timestamp,
    properties: e.properties,
    idempotency_key: e.idempotency_key,
  })) as HeapEvent[];
}

describe('the failed line carries the event the function built', () => {
  it('Heap answering 503 past the deadline: heap_event is exactly what Heap stores once it is up', async () => {
    const data = await projectChange(fixture('article.v1.json'), fixture('article.v2.json'));
    heap.injectFault({count: 1000, status: 503, retryAfter: 60});
    const failed = await invoke(data);
    expect(failed.error).toBeDefined();
    expect(failed.record.outcome).toBe('failed');
    expect(failed.record.heap_event_omitted).toBeUndefined();
    expect(failed.line).not.toContain(APP_ID);
    expect(failed.line).not.toContain('app_id');

    heap.reset();
    const delivered = await invoke(data);
    expect(delivered.record.outcome).toBe('delivered');
    expect(delivered.record.heap_event).toBeUndefined();
    // Same change, same event: the timestamp is _updatedAt, not the time of handling.
    expect(stored()).toEqual([failed.record.heap_event]);
    expect(failed.record.heap_event?.idempotency_key).toBe(failed.record.idempotency_key);
  });

  it('Heap rejecting it (400) also carries it; a configuration error has no event to carry', async () => {
    heap.injectFault({count: 1, status: 400, body: 'no'});
    const rejected = await invoke(await projectChange(null, fixture('article.v1.json')));
    expect(rejected.record).toMatchObject({outcome: 'failed', status: 400});
    expect(rejected.record.heap_event?.event).toBe('Content Published');

    const lines: string[] = [];
    await expect(
      createHandler({env: {HEAP_API_URL: heap.url}, write: (l) => lines.push(l)})({
        context,
        event: {data: await projectChange(null, fixture('article.v1.json'))},
      } as never),
    ).rejects.toThrow(/HEAP_APP_ID is not set/);
    const record = JSON.parse(lines[0]!) as LogRecord;
    expect(record.heap_event).toBeUndefined();
    expect(record.heap_event_omitted).toBeUndefined();
  });

  it('content too large for 16 KB: the line stays under the limit and says the event was left out', async () => {
    // Control characters are escaped as \u0001 in JSON: six bytes per character.
    const big = '\u0001'.repeat(990);
    const doc = {...fixture('article.v1.json'), title: big, campaign: big, slug: {current: big}};
    heap.injectFault({count: 1000, status: 503, retryAfter: 60});
    const r = await invoke(await projectChange(null, doc));
    expect(r.record.outcome).toBe('failed');
    expect(Buffer.byteLength(r.line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(r.record.heap_event).toBeUndefined();
    expect(r.record.heap_event_omitted).toMatch(/would take \d+ bytes, over the 16384-byte limit/);
    expect(r.record.idempotency_key).toMatch(/^sanity:proj1\.production:/);
  });
});

describe('formatFailedLine: the size policy', () => {
  const event: HeapEvent = {
    identity: 'system:sanity-content',
    event: 'Content Updated',
    timestamp: '2025-03-02T10:00:00Z',
    properties: {content_id: 'a', title: 'x'.repeat(900)},
    idempotency_key: 'sanity:p.d:a:r2:update',
  };
  const fields = {fn: 'heap-content-sync', outcome: 'failed', warnings: [] as string[]};

  it('fits: the whole event, byte for byte', () => {
    const line = formatFailedLine(fields, event, [APP_ID]);
    expect(JSON.parse(line).heap_event).toEqual(event);
  });

  it('too long with the diagnostics: attempt_log goes, warnings are shortened, the event stays', () => {
    const attempt_log = Array.from({length: 8}, (_, i) => ({attempt: i + 1, status: 503, error: 'e'.repeat(1500)}));
    const warnings = Array.from({length: 9}, (_, i) => `warning ${i}: ${'w'.repeat(500)}`);
    const full = JSON.stringify({...fields, attempt_log, warnings, heap_event: event});
    expect(Buffer.byteLength(full)).toBeGreaterThan(MAX_LOG_LINE_BYTES);
    const line = formatFailedLine({...fields, attempt_log, attempts: 8, warnings}, event, []);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const parsed = JSON.parse(line);
    expect(parsed.heap_event).toEqual(event);
    expect(parsed.attempt_log).toBeUndefined();
    expect(parsed.attempts).toBe(8);
    expect(parsed.warnings).toHaveLength(MAX_WARNINGS_WHEN_LONG + 1);
    expect(parsed.warnings.at(-1)).toMatch(/6 more warnings left out/);
  });

  it('a property holding the app id: redacted in the log, so the event is left out rather than logged altered', () => {
    const leaky = {...event, properties: {...event.properties, campaign: `promo-${APP_ID}`}};
    const line = formatFailedLine(fields, leaky, [APP_ID]);
    expect(line).not.toContain(APP_ID);
    const parsed = JSON.parse(line);
    expect(parsed.heap_event).toBeUndefined();
    expect(parsed.heap_event_omitted).toMatch(/could not be re-sent exactly/);
  });
});
