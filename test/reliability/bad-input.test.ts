/**
 * Bad input: every entry of the hostile corpus (corpus.ts) through the real
 * handler against Local Heap in strict mode. Each must end in its defined
 * outcome with exactly one clear, bounded JSON log line; nothing may throw;
 * what is delivered must be valid under the strictest reading of Heap's rules,
 * and Local Heap must reject nothing.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createHandler} from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {FUNCTION_NAME} from '../../shared/function-settings.ts';
import {CORPUS} from './corpus.ts';
import {invalidities, invoke} from './harness.ts';

const APP_ID = '7712345678';
/** A log line stays readable whatever the input: the logger cuts long strings. */
const MAX_LINE = 16 * 1024;

let heap: LocalHeap;
const lines: string[] = [];
let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  handler = createHandler({
    env: {HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url},
    write: (line) => lines.push(line),
    deadlineMs: 10_000,
  });
});
afterAll(async () => {
  await heap?.close();
});

describe('the hostile corpus', () => {
  it('has at least 50 distinct entries', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  const numbered = CORPUS.map((entry, i) => ({entry, id: `corpus-${i}`}));
  const skipped = numbered.flatMap(({entry, id}) =>
    entry.expect.outcome === 'skipped' ? [{...entry, expect: entry.expect, id}] : [],
  );
  const delivered = numbered.flatMap(({entry, id}) =>
    entry.expect.outcome === 'delivered' ? [{...entry, expect: entry.expect, id}] : [],
  );

  /** One invocation: no exception, exactly one bounded log line of this function. */
  async function once(data: unknown) {
    const run = await invoke(handler, lines, data);
    expect(run.error, `the handler threw: ${String(run.error)}`).toBeUndefined();
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]!.length).toBeLessThan(MAX_LINE);
    const record = run.records[0]!;
    expect(record.fn).toBe(FUNCTION_NAME);
    return record;
  }

  for (const entry of skipped) {
    it(`skipped: ${entry.name}`, async () => {
      const storedBefore = heap.events().length;
      const record = await once(entry.data(entry.id));
      expect(record.outcome, `reason: ${record.reason}`).toBe('skipped');
      expect(record.reason).toMatch(entry.expect.reason);
      expect(record.attempts).toBe(0);
      expect(heap.events().length).toBe(storedBefore);
    });
  }

  for (const entry of delivered) {
    it(`delivered: ${entry.name}`, async () => {
      const storedBefore = heap.events().length;
      const record = await once(entry.data(entry.id));
      expect(record.outcome, `reason: ${record.reason}`).toBe('delivered');
      expect(record.reason).toBeNull();
      expect(heap.events().length).toBe(storedBefore + 1);
      const stored = heap.events().at(-1)!;
      expect(stored.idempotency_key).toBe(record.idempotency_key);
      expect(invalidities(stored)).toEqual([]);
      expect(stored.event).toBe(entry.expect.event);
      expect(record.warnings.join('\n')).toMatch(entry.expect.warning);
      // Every timestamp is sent canonical: toISOString() of the instant.
      expect(stored.timestamp).toBe(new Date(stored.timestamp!).toISOString());
      entry.expect.check(stored.properties, stored.timestamp);
    });
  }

  it('sent Heap nothing it rejected, and polluted no prototype', () => {
    expect(heap.rejections()).toEqual([]);
    expect(heap.duplicates()).toEqual([]);
    const probe = {} as Record<string, unknown>;
    expect(probe.polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const delivered = CORPUS.filter((c) => c.expect.outcome === 'delivered').length;
    expect(heap.events()).toHaveLength(delivered);
  });
});
