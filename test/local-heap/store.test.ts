import {appendFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {APP_ID, bulk, single, track} from './http.ts';

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
    const del = await fetch(`${heap.url}/api/local/events`, {method: 'DELETE'});
    expect(del.status).toBe(200);
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

  it('skips unreadable lines and empties the file on reset()', async () => {
    const file = join(dir, 'events.jsonl');
    const first = await start(file);
    await track(first.url, single());
    await first.close();
    appendFileSync(file, 'not json\n{"no":"event"}\n');
    const second = await start(file);
    expect(second.events()).toHaveLength(1);
    expect(second.events()[0]?.app_id).toBe(APP_ID);
    second.reset();
    expect(readFileSync(file, 'utf8')).toBe('');
    await second.close();
    const third = await start(file);
    expect(third.events()).toEqual([]);
  });
});
