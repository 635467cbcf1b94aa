/**
 * Chaos: 500 distinct content events through the real handler, 25 at a time, while Local Heap
 * (strict mode, real rate limits) fails their requests from a seeded schedule: connection resets,
 * hangs past the attempt timeout, 500/502/503/504, 429 with and without Retry-After (one beyond
 * the deadline, which must fail at once rather than wait), and resets *after* the events were
 * stored (the answer is lost, so the client cannot know: it retries, and Local Heap's
 * idempotency keys must keep the retry from storing the event twice).
 *
 * What must hold is what at-least-once delivery can promise:
 * - nothing is lost silently: every event is stored or reported failed (or both: an event whose
 *   answer was lost and whose retry then failed is stored *and* reported failed);
 * - nothing is stored twice, and re-sending every event reported failed stores nothing twice.
 *
 * Each event has its own seeded fault sequence (faults `match` its content_id), so which event
 * meets which fault does not depend on the order requests arrive in, and the deadline is far
 * beyond the longest sequence: the outcome of every event, and every count below, is exact.
 * The one timing assumption: a request Local Heap answers reaches the client within production's
 * attempt timeout (10 s); only a hang fault is meant to exceed it.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createHandler, type LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type Fault, type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {DEFAULT_ATTEMPT_TIMEOUT_MS} from '../../shared/delivery.ts';
import {TRACK_PATH} from '../../shared/heap-rules.ts';
import {seededRandom} from '../../tools/content-lake.ts';
import {projected} from './corpus.ts';
import {invalidities, invoke} from './harness.ts';

const APP_ID = '5550001234';
const EVENTS = 500;
const CONCURRENCY = 25;
/** One attempt's limit, production's: what a hang costs. */
const ATTEMPT_TIMEOUT_MS = DEFAULT_ATTEMPT_TIMEOUT_MS;
const MAX_FAULTS_PER_EVENT = 3;
const MAX_HANGS_PER_EVENT = 2;
/**
 * The delivery deadline (production: 25 s), far beyond the longest sequence (2 hangs, plus a
 * 1 s Retry-After, plus backoffs of at most 1.75 s: about 23 s), so only a Retry-After beyond the
 * deadline makes an event fail.
 */
const DEADLINE_MS = 60_000;
const HOPELESS = '429 Retry-After 60';
const SEED = 0x5eed;

type Kind =
  | 'reset'
  | 'reset after store'
  | 'hang'
  | '500'
  | '502'
  | '503'
  | '504'
  | '429'
  | '429 Retry-After 1'
  | '429 Retry-After 0'
  | '429 Retry-After date'
  | typeof HOPELESS;

/** Weights of the fault kinds (out of 100). */
const MIX: [Kind, number][] = [
  ['reset', 16],
  ['reset after store', 12],
  ['hang', 1],
  ['500', 11],
  ['502', 11],
  ['503', 11],
  ['504', 9],
  ['429', 12],
  ['429 Retry-After 1', 8],
  ['429 Retry-After 0', 4],
  ['429 Retry-After date', 3],
  [HOPELESS, 2],
];
/** How many faults an event meets before its request passes: 0, 1, 2 or 3 (weights out of 100). */
const FAULT_COUNTS = [40, 30, 20, 10];
/** Sequences placed first, by hand, so the schedule surely holds these cases. */
const FIXED: Kind[][] = [
  ['reset after store', HOPELESS], // stored, then reported failed: both
  ['reset after store', 'reset after store'], // stored once, two retries ignored by key
  ['hang', 'reset after store'],
  [HOPELESS],
];

function fault(kind: Kind, id: string): Fault {
  const target = {path: TRACK_PATH, match: `"content_id":"${id}"`};
  switch (kind) {
    case 'reset':
      return {reset: true, ...target};
    case 'reset after store':
      return {resetAfterStore: true, ...target};
    case 'hang':
      return {hang: true, ...target};
    case '429':
      return {status: 429, ...target};
    case '429 Retry-After 1':
      return {status: 429, retryAfter: '1', ...target};
    case '429 Retry-After 0':
      return {status: 429, retryAfter: '0', ...target};
    case '429 Retry-After date':
      return {status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString(), ...target};
    case HOPELESS:
      return {status: 429, retryAfter: '60', ...target};
    default:
      return {status: Number(kind), body: `<html><body>${kind} from a proxy</body></html>`, ...target};
  }
}

function pick<T>(weighted: [T, number][], random: () => number): T {
  let r = random() * weighted.reduce((s, [, w]) => s + w, 0);
  for (const [value, w] of weighted) {
    r -= w;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

/** Each event's faults, in the order its attempts meet them; nothing after a hopeless 429 (never reached). */
function schedule(n: number, random: () => number): Kind[][] {
  return Array.from({length: n}, (_, i) => {
    if (i < FIXED.length) return FIXED[i]!;
    const count = pick(
      FAULT_COUNTS.map((w, k) => [k, w]),
      random,
    );
    const kinds = Array.from({length: count}, () => pick(MIX, random));
    const hopeless = kinds.indexOf(HOPELESS);
    return hopeless < 0 ? kinds : kinds.slice(0, hopeless + 1);
  });
}

/** What each event's sequence must lead to. */
function expected(kinds: Kind[]) {
  const hopeless = kinds.includes(HOPELESS);
  const storedAttempts = kinds.filter((k) => k === 'reset after store').length + (hopeless ? 0 : 1);
  return {
    failed: hopeless,
    stored: storedAttempts > 0,
    /** Requests that reached the store after the first that did: ignored by idempotency key. */
    duplicates: Math.max(0, storedAttempts - 1),
    attempts: hopeless ? kinds.length : kinds.length + 1,
  };
}

const ids = Array.from({length: EVENTS}, (_, i) => `chaos-${String(i).padStart(3, '0')}`);
const plan = schedule(EVENTS, seededRandom(SEED));
const expectations = new Map(ids.map((id, i) => [id, expected(plan[i]!)]));
const sum = (f: (e: ReturnType<typeof expected>) => number): number =>
  [...expectations.values()].reduce((n, e) => n + f(e), 0);

let heap: LocalHeap;
const lines: string[] = [];
const redriveLines: string[] = [];
const results: {id: string; error?: unknown}[] = [];
const redriven: {id: string; error?: unknown}[] = [];
let afterRun: {stored: string[]; duplicates: number; requests: number; faulted: number};

const records = (from: string[]): LogRecord[] => from.map((l) => JSON.parse(l) as LogRecord);

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  plan.forEach((kinds, i) => {
    for (const kind of kinds) heap.injectFault(fault(kind, ids[i]!));
  });
  const options = {
    env: {HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url},
    deadlineMs: DEADLINE_MS,
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    random: seededRandom(SEED + 1),
  };
  const handler = createHandler({...options, write: (line) => lines.push(line)});
  const event = (id: string, i: number) => projected(id, {title: `Chaos ${i}`});
  // Load fetch and open a connection before the burst, so the first 25 requests do not also pay for that.
  expect((await fetch(`${heap.url}/api/local/stats`)).status).toBe(200);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < EVENTS) {
      const i = next++;
      const run = await invoke(handler, lines, event(ids[i]!, i));
      results.push({id: ids[i]!, error: run.error});
    }
  };
  await Promise.all(Array.from({length: CONCURRENCY}, worker));
  afterRun = {
    stored: heap.events().map((e) => e.idempotency_key!),
    duplicates: heap.duplicates().length,
    requests: heap.stats().requests,
    faulted: heap.stats().faulted,
  };

  // What an operator does with events reported failed: send them again (the backfill's --retry-failed).
  const again = createHandler({...options, write: (line) => redriveLines.push(line)});
  for (const r of records(lines).filter((r) => r.outcome === 'failed')) {
    const i = ids.indexOf(r.content_id!);
    const run = await invoke(again, redriveLines, event(ids[i]!, i));
    redriven.push({id: ids[i]!, error: run.error});
  }
}, 180_000);

afterAll(async () => {
  await heap?.close();
});

describe(`chaos: ${EVENTS} events, each with its own seeded faults`, () => {
  it('uses every kind of fault, and the whole schedule', () => {
    const used = plan.flat();
    for (const [kind] of MIX) expect(used, kind).toContain(kind);
    // What the deadline was chosen for: no sequence longer than this, nor with more hangs.
    expect(Math.max(...plan.map((kinds) => kinds.length))).toBe(MAX_FAULTS_PER_EVENT);
    expect(Math.max(...plan.map((kinds) => kinds.filter((k) => k === 'hang').length))).toBeLessThanOrEqual(
      MAX_HANGS_PER_EVENT,
    );
    expect(heap.faults()).toEqual([]);
    expect(afterRun.faulted).toBe(used.length);
    // Every request the schedule implies, and not one more (no unplanned timeout or retry).
    expect(afterRun.requests).toBe(sum((e) => e.attempts));
    expect(heap.stats().rateLimited).toBe(0);
  });

  it('writes exactly one log line per invocation, delivered or failed', () => {
    expect(lines).toHaveLength(EVENTS);
    for (const r of records(lines)) expect(['delivered', 'failed']).toContain(r.outcome);
    expect(new Set(records(lines).map((r) => r.content_id))).toEqual(new Set(ids));
  });

  it('loses nothing silently: every event is stored or reported failed; nothing is stored twice', () => {
    const all = records(lines);
    const keyOf = new Map(all.map((r) => [r.content_id!, r.idempotency_key!]));
    const delivered = new Set(all.filter((r) => r.outcome === 'delivered').map((r) => r.idempotency_key!));
    const failed = new Set(all.filter((r) => r.outcome === 'failed').map((r) => r.idempotency_key!));
    const stored = new Set(afterRun.stored);

    expect(afterRun.stored.length, 'an idempotency key stored twice').toBe(stored.size);
    for (const key of keyOf.values()) expect(stored.has(key) || failed.has(key), `${key} lost silently`).toBe(true);
    for (const key of delivered) expect(stored.has(key), `${key} delivered but not stored`).toBe(true);

    // Exactly the events whose schedule says so: failed, stored, both.
    const exp = (f: (e: ReturnType<typeof expected>) => boolean): Set<string> =>
      new Set(ids.filter((id) => f(expectations.get(id)!)).map((id) => keyOf.get(id)!));
    expect(failed).toEqual(exp((e) => e.failed));
    expect(stored).toEqual(exp((e) => e.stored));
    const both = [...failed].filter((k) => stored.has(k));
    expect(both.length, 'stored and reported failed (its answer was lost, then it failed)').toBe(
      sum((e) => Number(e.failed && e.stored)),
    );
    expect(both.length).toBeGreaterThan(0);
    // Every lost answer was followed by a retry that Local Heap recognised by its key.
    expect(afterRun.duplicates).toBe(sum((e) => e.duplicates));
    expect(afterRun.duplicates).toBeGreaterThan(0);

    console.info(
      `chaos: ${EVENTS} sent, ${stored.size} stored, ${failed.size} reported failed (${both.length} of them also stored), ` +
        `${afterRun.duplicates} re-sends ignored by key, ${afterRun.requests} requests, ` +
        `faults ${JSON.stringify(Object.fromEntries(MIX.map(([k]) => [k, plan.flat().filter((x) => x === k).length])))}`,
    );
  });

  it('retries every other fault through, and reports each failure at once with its reason', () => {
    const all = records(lines);
    for (const r of all) {
      const e = expectations.get(r.content_id!)!;
      expect([r.content_id, r.outcome, r.attempts]).toEqual([
        r.content_id,
        e.failed ? 'failed' : 'delivered',
        e.attempts,
      ]);
    }
    // A failed invocation throws (the platform shows it) and its line says why, attempt by attempt.
    const failed = all.filter((r) => r.outcome === 'failed');
    const threw = new Set(results.filter((r) => r.error !== undefined).map((r) => r.id));
    expect(new Set(failed.map((r) => r.content_id))).toEqual(threw);
    for (const r of failed) {
      expect(r.reason).toMatch(/Retry-After/);
      expect(r.attempt_log?.at(-1)?.status).toBe(429);
    }
  });

  it('re-sending every event reported failed stores each once: nothing twice, nothing missing', () => {
    expect(redriven.length).toBe(sum((e) => Number(e.failed)));
    expect(redriven.filter((r) => r.error !== undefined)).toEqual([]);
    expect(records(redriveLines).map((r) => r.outcome)).toEqual(redriven.map(() => 'delivered'));
    const stored = heap.events().map((e) => e.idempotency_key!);
    expect(new Set(stored).size, 'an idempotency key stored twice').toBe(stored.length);
    expect(new Set(stored)).toEqual(new Set(records(lines).map((r) => r.idempotency_key!)));
    // Those already stored before they failed were recognised by key, not stored again.
    expect(heap.duplicates().length - afterRun.duplicates).toBe(sum((e) => Number(e.failed && e.stored)));
  });

  it('keeps every invocation inside its deadline', () => {
    for (const r of records(lines)) expect(r.elapsed_ms).toBeLessThan(DEADLINE_MS);
  });

  it('sent Heap nothing invalid', () => {
    expect(heap.rejections().filter((r) => r.status !== 429)).toEqual([]);
    for (const e of heap.events()) expect(invalidities(e)).toEqual([]);
  });
});
