/**
 * Chaos: 500 distinct content events through the real handler while Local
 * Heap (strict mode, real rate limits) answers the first 500 requests from a
 * seeded schedule of faults: connection resets, hangs past the attempt
 * timeout, 500/502/503/504, and 429 with and without Retry-After (including
 * one beyond the deadline, which must fail at once rather than wait).
 *
 * Every event must be either stored exactly once or reported failed in its
 * log line (and by the invocation throwing), never both, never neither:
 * stored + reported failed = sent, no idempotency key stored twice.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createHandler, type LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type Fault, type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {TRACK_PATH} from '../../shared/heap-rules.ts';
import {seededRandom} from '../../tools/content-lake.ts';
import {projected} from './corpus.ts';
import {invalidities, invoke} from './harness.ts';

const APP_ID = '5550001234';
const EVENTS = 500;
const CONCURRENCY = 25;
/** The function's delivery deadline here (production: 25 s), and one attempt's limit. */
const DEADLINE_MS = 6000;
const ATTEMPT_TIMEOUT_MS = 1000;
const SEED = 0x5eed;

type Kind =
  | 'pass'
  | 'reset'
  | 'hang'
  | '500'
  | '502'
  | '503'
  | '504'
  | '429'
  | '429 Retry-After 1'
  | '429 Retry-After 0'
  | '429 Retry-After date'
  | '429 Retry-After 30';

/** Weights of the schedule (out of 100). */
const MIX: [Kind, number][] = [
  ['pass', 40],
  ['reset', 8],
  ['hang', 5],
  ['500', 8],
  ['502', 8],
  ['503', 8],
  ['504', 6],
  ['429', 7],
  ['429 Retry-After 1', 5],
  ['429 Retry-After 0', 2],
  ['429 Retry-After date', 2],
  ['429 Retry-After 30', 1],
];

function fault(kind: Kind): Fault {
  const path = TRACK_PATH;
  switch (kind) {
    case 'pass':
      return {delayMs: 0, path};
    case 'reset':
      return {reset: true, path};
    case 'hang':
      return {hang: true, path};
    case '429':
      return {status: 429, path};
    case '429 Retry-After 1':
      return {status: 429, retryAfter: '1', path};
    case '429 Retry-After 0':
      return {status: 429, retryAfter: '0', path};
    case '429 Retry-After date':
      return {status: 429, retryAfter: new Date(Date.now() + 1000).toUTCString(), path};
    case '429 Retry-After 30':
      return {status: 429, retryAfter: '30', path};
    default:
      return {status: Number(kind), body: `<html><body>${kind} from a proxy</body></html>`, path};
  }
}

function schedule(n: number, random: () => number): Kind[] {
  const total = MIX.reduce((s, [, w]) => s + w, 0);
  return Array.from({length: n}, () => {
    let r = random() * total;
    for (const [kind, w] of MIX) {
      r -= w;
      if (r < 0) return kind;
    }
    return 'pass';
  });
}

let heap: LocalHeap;
const lines: string[] = [];
const kinds = schedule(EVENTS, seededRandom(SEED));
const results: {id: string; error?: unknown}[] = [];

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  for (const kind of kinds) heap.injectFault(fault(kind));
  const handler = createHandler({
    env: {HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url},
    write: (line) => lines.push(line),
    deadlineMs: DEADLINE_MS,
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    random: seededRandom(SEED + 1),
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < EVENTS) {
      const i = next++;
      const id = `chaos-${String(i).padStart(3, '0')}`;
      const run = await invoke(handler, lines, projected(id, {title: `Chaos ${i}`}));
      results.push({id, error: run.error});
    }
  };
  await Promise.all(Array.from({length: CONCURRENCY}, worker));
}, 120_000);

afterAll(async () => {
  await heap?.close();
});

describe(`chaos: ${EVENTS} events, seeded faults on the first ${EVENTS} requests`, () => {
  it('uses every kind of fault, and the whole schedule', () => {
    for (const [kind] of MIX) expect(kinds, kind).toContain(kind);
    expect(heap.faults()).toEqual([]);
    expect(heap.stats().faulted).toBe(EVENTS);
  });

  it('writes exactly one log line per invocation, delivered or failed', () => {
    expect(lines).toHaveLength(EVENTS);
    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    for (const r of records) expect(['delivered', 'failed']).toContain(r.outcome);
    expect(new Set(records.map((r) => r.content_id)).size).toBe(EVENTS);
  });

  it('reconciles: stored exactly once or reported failed, never both, never neither', () => {
    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    const delivered = new Set(records.filter((r) => r.outcome === 'delivered').map((r) => r.idempotency_key!));
    const failed = records.filter((r) => r.outcome === 'failed');
    const failedKeys = new Set(failed.map((r) => r.idempotency_key!));

    const stored = heap.events();
    const storedKeys = stored.map((e) => e.idempotency_key!);
    expect(new Set(storedKeys).size, 'an idempotency key stored twice').toBe(storedKeys.length);
    expect(new Set(storedKeys)).toEqual(delivered);
    for (const key of failedKeys) expect(delivered.has(key), `${key} both delivered and failed`).toBe(false);
    expect(stored.length + failed.length).toBe(EVENTS);

    // A failed invocation throws (the platform shows it) and its line says why, attempt by attempt.
    const threw = new Set(results.filter((r) => r.error !== undefined).map((r) => r.id));
    expect(new Set(failed.map((r) => r.content_id))).toEqual(threw);
    for (const r of failed) {
      expect(r.reason).toMatch(/deadline|gave up|Retry-After/);
      expect(r.attempt_log?.length).toBeGreaterThan(0);
    }
    // Each 429 with a Retry-After beyond the deadline fails its event at once: at least that many failures.
    const hopeless = kinds.filter((k) => k === '429 Retry-After 30').length;
    expect(failed.length).toBeGreaterThanOrEqual(hopeless);
    // Retries carry everything else through: only a few events may exhaust the deadline (without retries, over half would fail).
    expect(failed.length).toBeLessThanOrEqual(hopeless + 15);
    expect(records.filter((r) => r.outcome === 'delivered' && r.attempts > 1).length).toBeGreaterThan(50);

    console.info(
      `chaos: ${EVENTS} sent, ${stored.length} stored, ${failed.length} reported failed, ` +
        `${heap.duplicates().length} re-sends ignored by key, ${heap.stats().requests} requests, ` +
        `retried deliveries ${records.filter((r) => r.outcome === 'delivered' && r.attempts > 1).length}, ` +
        `schedule ${JSON.stringify(Object.fromEntries(MIX.map(([k]) => [k, kinds.filter((x) => x === k).length])))}`,
    );
  });

  it('keeps every invocation inside its deadline', () => {
    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    for (const r of records) expect(r.elapsed_ms).toBeLessThan(DEADLINE_MS + 1000);
  });

  it('sent Heap nothing invalid', () => {
    expect(heap.rejections().filter((r) => r.status !== 429)).toEqual([]);
    for (const e of heap.events()) expect(invalidities(e)).toEqual([]);
  });
});
