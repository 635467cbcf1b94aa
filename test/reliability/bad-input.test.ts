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

  for (const [i, entry] of CORPUS.entries()) {
    it(`${entry.expect.outcome}: ${entry.name}`, async () => {
      const id = `corpus-${i}`;
      const storedBefore = heap.events().length;
      const run = await invoke(handler, lines, entry.data(id));

      expect(run.error, `the handler threw: ${String(run.error)}`).toBeUndefined();
      expect(run.lines).toHaveLength(1);
      const line = run.lines[0]!;
      expect(line.length).toBeLessThan(MAX_LINE);
      const record = run.records[0]!;
      expect(record.fn).toBe(FUNCTION_NAME);
      expect(record.outcome, `reason: ${record.reason}`).toBe(entry.expect.outcome);

      if (entry.expect.outcome === 'skipped') {
        expect(record.reason).toMatch(entry.expect.reason);
        expect(record.attempts).toBe(0);
        expect(heap.events().length).toBe(storedBefore);
        return;
      }
      expect(record.reason).toBeNull();
      expect(heap.events().length).toBe(storedBefore + 1);
      const stored = heap.events().at(-1)!;
      if (record.idempotency_key && record.idempotency_key.length < 2000)
        expect(stored.idempotency_key).toBe(record.idempotency_key);
      expect(invalidities(stored)).toEqual([]);
      if (entry.expect.event) expect(stored.event).toBe(entry.expect.event);
      if (entry.expect.warning) expect(record.warnings.join('\n')).toMatch(entry.expect.warning);
      entry.expect.check?.(stored.properties, stored.timestamp);
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
