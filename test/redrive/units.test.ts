/** The pure parts of redrive/: the streaming reader, the line parser, percentiles and reason groups. */
import {describe, expect, it} from 'vitest';
import {parseMessage} from '../../redrive/function-lines.ts';
import {Counts, entryTime, hourOf, reasonGroup} from '../../redrive/ledger.ts';
import {type InputItem, MAX_ENTRY_CHARS, readLogInput} from '../../redrive/log-input.ts';

async function read(chunks: string[]): Promise<InputItem[]> {
  const items: InputItem[] = [];
  for await (const item of readLogInput(
    (async function* () {
      yield* chunks;
    })(),
  ))
    items.push(item);
  return items;
}

const doc = JSON.stringify(
  {
    logs: [
      {time: '2026-01-01T10:00:00Z', level: 'INFO', message: '{"fn":"x","q":"a \\" } ] { ["}', requestId: 'r1'},
      {time: 1767261600000, level: 'ERROR', message: 'plain text with } and ]', requestId: 'r2', step: 'a'},
    ],
  },
  null,
  2,
);

describe('readLogInput', () => {
  it('reads entries whatever the chunking, braces and quotes inside strings included', async () => {
    const whole = await read([doc]);
    expect(whole).toEqual([
      {
        kind: 'entry',
        entry: {
          time: '2026-01-01T10:00:00Z',
          level: 'INFO',
          message: '{"fn":"x","q":"a \\" } ] { ["}',
          requestId: 'r1',
        },
      },
      {
        kind: 'entry',
        entry: {time: 1767261600000, level: 'ERROR', message: 'plain text with } and ]', requestId: 'r2'},
      },
    ]);
    expect(await read([...doc])).toEqual(whole);
    expect(await read([doc.slice(0, 17), doc.slice(17, 18), doc.slice(18)])).toEqual(whole);
  });

  it('compact and concatenated documents; other top-level keys are not entries', async () => {
    const compact = JSON.stringify({logs: [{message: 'a'}], other: [{message: 'not an entry'}]});
    expect(await read([`${compact}\n${compact}`])).toEqual([
      {kind: 'entry', entry: {message: 'a'}},
      {kind: 'entry', entry: {message: 'a'}},
    ]);
  });

  it('colour codes around tokens (an oclif theme) are skipped', async () => {
    const colour = (t: string) => `\x1b[34m${t}\x1b[39m`;
    const coloured = doc.replace(/"(?:\\.|[^"\\])*"|[{}[\]]/g, colour);
    expect(coloured).toContain('\x1b[34m[\x1b[39m');
    expect(await read([coloured])).toEqual(await read([doc]));
  });

  it("the CLI's error document", async () => {
    expect(await read([JSON.stringify({error: {message: 'Unauthorized'}}, null, 2)])).toEqual([
      {kind: 'cli_error', message: 'Unauthorized'},
    ]);
  });

  it('an entry longer than the limit is counted, not held', async () => {
    const big = JSON.stringify({logs: [{message: 'x'.repeat(MAX_ENTRY_CHARS)}, {message: 'ok'}]});
    expect(await read([big.slice(0, 1000), big.slice(1000)])).toEqual([
      {kind: 'bad', why: `an entry longer than ${MAX_ENTRY_CHARS} characters`},
      {kind: 'entry', entry: {message: 'ok'}},
    ]);
  });
});

describe('parseMessage', () => {
  const line = {
    fn: 'heap-content-sync',
    outcome: 'failed',
    event: 'Content Updated',
    content_id: 'a',
    reason: 'r',
    attempts: 2,
    idempotency_key: 'k',
    heap_event: {
      identity: 'i',
      event: 'Content Updated',
      timestamp: 't',
      properties: {a: 'b', n: 1},
      idempotency_key: 'k',
    },
  };
  it('a failed line with its event', () => {
    const p = parseMessage(JSON.stringify(line));
    expect(p).toMatchObject({kind: 'invocation', invocation: {outcome: 'failed', heapEvent: line.heap_event}});
  });
  it('rejects an event with an extra field (an app id), another key, or a nested property', () => {
    for (const heap_event of [
      {...line.heap_event, app_id: '1'},
      {...line.heap_event, idempotency_key: 'other'},
      {...line.heap_event, properties: {a: {b: 1}}},
    ]) {
      expect(parseMessage(JSON.stringify({...line, heap_event})).kind).toBe('bad');
    }
  });
  it("another function's line, or none", () => {
    expect(parseMessage(JSON.stringify({...line, fn: 'other'})).kind).toBe('other');
    expect(parseMessage('hello').kind).toBe('other');
  });
});

describe('ledger helpers', () => {
  it('nearest-rank percentiles from counts', () => {
    const c = new Counts();
    for (const v of [1, 1, 1, 1, 1, 1, 1, 1, 2, 8]) c.add(v);
    expect([c.percentile(50), c.percentile(90), c.percentile(99), c.percentile(100)]).toEqual([1, 2, 8, 8]);
    expect(new Counts().percentile(50)).toBeUndefined();
  });
  it('reasons differing only in timings are one group', () => {
    expect(reasonGroup('gave up after 3 attempts: (wait 1200 ms, Retry-After 60 s, 5 ms left)')).toBe(
      reasonGroup('gave up after 1 attempt: (wait 9 ms, Retry-After 60 s, 24000 ms left)'),
    );
  });
  it('entry times: ISO with a zone or epoch ms; hours in UTC', () => {
    expect(hourOf(entryTime('2026-01-01T10:59:59.999+01:00'))).toBe('2026-01-01T09:00Z');
    expect(hourOf(entryTime(Date.UTC(2026, 0, 1, 23, 30)))).toBe('2026-01-01T23:00Z');
    expect(hourOf(entryTime('yesterday'))).toBe('unknown');
  });
});
