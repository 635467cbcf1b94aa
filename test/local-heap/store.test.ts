import {appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {APP_ID, bulk, del, single, track} from './http.ts';

let dir: string;
const open: LocalHeap[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-heap-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
  rmSync(dir, {recursive: true, force: true});
});
async function start(store?: string): Promise<LocalHeap> {
  const heap = await startLocalHeap({port: 0, rateLimits: false, store});
  open.push(heap);
  return heap;
}

describe('idempotency', () => {
  it('accepts a second event with a seen idempotency_key (2xx) and ignores it, even with different data', async () => {
    const heap = await start();
    const first = await track(heap.url, single({idempotency_key: 'doc-1@rev-1'}));
    const second = await track(heap.url, single({idempotency_key: 'doc-1@rev-1', event: 'Something Else'}));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-local-heap-duplicates')).toBe('1');
    expect(heap.events()).toHaveLength(1);
    expect(heap.events()[0]?.event).toBe('Content Published');
    expect(heap.duplicates().map((e) => e.event)).toEqual(['Something Else']);
    expect(heap.stats()).toMatchObject({stored: 1, duplicates: 1});
  });

  it('dedupes inside one bulk body and across bodies; keys are per app_id; events without a key are never duplicates', async () => {
    const heap = await start();
    await track(
      heap.url,
      bulk(3, (i) => ({idempotency_key: i < 2 ? 'same' : 'other'})),
    );
    await track(heap.url, bulk(2));
    await track(heap.url, bulk(2));
    await track(heap.url, {...single({idempotency_key: 'same'}), app_id: 'another-app'});
    expect(heap.events()).toHaveLength(2 + 4 + 1);
    expect(heap.duplicates()).toHaveLength(1);
  });

  it('GET /api/local/events lists accepted events, newest last; ?include=duplicates adds flagged duplicates', async () => {
    const heap = await start();
    await track(heap.url, single({idempotency_key: 'k', properties: {n: 1}}));
    await track(heap.url, single({idempotency_key: 'k', properties: {n: 2}}));
    await track(heap.url, single({properties: {n: 3}}));
    const plain = (await (await fetch(`${heap.url}/api/local/events`)).json()) as {
      properties: {n: number};
      duplicate?: boolean;
    }[];
    expect(plain.map((e) => e.properties.n)).toEqual([1, 3]);
    const all = (await (await fetch(`${heap.url}/api/local/events?include=duplicates`)).json()) as typeof plain;
    expect(all.map((e) => [e.properties.n, e.duplicate === true])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect((await del(heap.url, '/api/local/events')).status).toBe(200);
    expect(heap.events()).toEqual([]);
    // Reset also forgets idempotency keys.
    await track(heap.url, single({idempotency_key: 'k'}));
    expect(heap.events()).toHaveLength(1);
  });
});

describe('persistence with store', () => {
  it('appends JSON lines and reloads events, duplicates and idempotency keys on restart', async () => {
    const file = join(dir, 'nested', 'events.jsonl');
    const first = await start(file);
    await track(first.url, single({idempotency_key: 'a', properties: {content_id: 'one'}}));
    await track(first.url, single({idempotency_key: 'a', properties: {content_id: 'dup'}}));
    await track(first.url, bulk(2));
    const before = first.events();
    await first.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4);

    const second = await start(file);
    expect(second.events()).toEqual(before);
    expect(second.duplicates().map((e) => e.properties.content_id)).toEqual(['dup']);
    await track(second.url, single({idempotency_key: 'a'}));
    expect(second.events()).toHaveLength(3);
    expect(second.duplicates()).toHaveLength(2);
    expect(second.stats()).toMatchObject({stored: 3, duplicates: 2});
  });

  it('cuts off a torn last line (a crash mid-append) on start, so the next acknowledged event survives the next restart', async () => {
    const file = join(dir, 'events.jsonl');
    const first = await start(file);
    await track(first.url, single({idempotency_key: 'before-crash'}));
    await first.close();
    // What kill -9 in the middle of appending an (unanswered) request leaves: half a line, no newline.
    const whole = readFileSync(file, 'utf8');
    appendFileSync(file, whole.slice(0, Math.floor(whole.length / 2)).replace('before-crash', 'torn'));

    const second = await start(file);
    expect(second.storeLoad).toEqual({
      file,
      entries: 1,
      skippedLines: 0,
      tornTail: 'dropped',
      droppedLines: 1,
      droppedBytes: Math.floor(whole.length / 2),
    });
    expect(readFileSync(file, 'utf8')).toBe(whole);
    const acknowledged = await track(second.url, single({idempotency_key: 'after-crash'}));
    expect(acknowledged.status).toBe(200);
    await second.close();

    const third = await start(file);
    expect(third.storeLoad).toMatchObject({entries: 2, skippedLines: 0, tornTail: 'none', droppedLines: 0});
    expect(third.events().map((e) => e.idempotency_key)).toEqual(['before-crash', 'after-crash']);
    // Its idempotency key is remembered too: a re-send is a duplicate.
    expect(
      (await track(third.url, single({idempotency_key: 'after-crash'}))).headers.get('x-local-heap-duplicates'),
    ).toBe('1');
    expect(third.events()).toHaveLength(2);
  });

  it('completes a last line that lost only its newline, keeping the entry', async () => {
    const file = join(dir, 'events.jsonl');
    const first = await start(file);
    await track(first.url, single({idempotency_key: 'kept'}));
    await first.close();
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, whole.slice(0, -1));
    const second = await start(file);
    expect(second.storeLoad).toMatchObject({entries: 1, tornTail: 'repaired', droppedLines: 0});
    expect(readFileSync(file, 'utf8')).toBe(whole);
    expect(second.events().map((e) => e.idempotency_key)).toEqual(['kept']);
  });

  it('skips unreadable lines and empties the file on reset()', async () => {
    const file = join(dir, 'events.jsonl');
    const first = await start(file);
    await track(first.url, single());
    await first.close();
    appendFileSync(file, 'not json\n{"no":"event"}\n');
    const second = await start(file);
    expect(second.events()).toHaveLength(1);
    expect(second.events()[0]?.app_id).toBe(APP_ID);
    expect(second.storeLoad).toMatchObject({entries: 1, skippedLines: 2, tornTail: 'none'});
    second.reset();
    expect(readFileSync(file, 'utf8')).toBe('');
    await second.close();
    const third = await start(file);
    expect(third.events()).toEqual([]);
  });
});
