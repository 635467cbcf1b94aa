/**
 * A store larger than V8's longest string (~512 MiB) loads: the file is streamed, never read as
 * one string. The store is built by streaming writes (lines padded with JSON whitespace, so the
 * events themselves stay small), then loaded in a child Node process whose heap is capped well
 * below the file's size: it can only succeed if memory stays flat while reading.
 */
import {spawnSync} from 'node:child_process';
import {closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {StoreLoadReport} from '../../local-heap/store.ts';
import {APP_ID, IDENTITY} from './http.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;
const LINES = 9_000;
const LINE_BYTES = 64 * 1024;
/** The loading process's heap limit: a fifth of the file. */
const HEAP_LIMIT_MB = 128;

let dir: string;
let file: string;

beforeAll(() => {
  // In memory where the machine has it (Linux): writing 600 MB to disk is most of this test's time.
  dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'local-heap-large-'));
  file = join(dir, 'events.jsonl');
  const fd = openSync(file, 'w');
  try {
    const batch: string[] = [];
    for (let i = 0; i < LINES; i++) {
      const event = JSON.stringify({
        request_id: `r${i}`,
        received_at: '2026-01-01T00:00:00.000Z',
        app_id: APP_ID,
        event: 'Content Published',
        identity: IDENTITY,
        idempotency_key: `key-${i}`,
        properties: {content_id: `doc-${i}`},
        warnings: [],
      });
      batch.push(`${event.slice(0, -1)}${' '.repeat(LINE_BYTES - event.length - 1)}}\n`);
      if (batch.length === 256 || i === LINES - 1) {
        writeSync(fd, batch.join(''));
        batch.length = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
});

afterAll(() => {
  rmSync(dir, {recursive: true, force: true});
});

describe('a store over 512 MiB', () => {
  it('loads in a process whose heap is a fifth of the file, with every event and idempotency key', () => {
    const bytes = statSync(file).size;
    expect(bytes).toBeGreaterThan(2 ** 29 + 2 ** 25); // past V8's longest string, with room
    const script = `
      import {EventStore} from ${JSON.stringify(join(ROOT, 'local-heap/store.ts'))};
      const store = new EventStore(process.argv[1]);
      const events = store.events();
      process.stdout.write(JSON.stringify({
        report: store.loadReport,
        first: events[0]?.idempotency_key,
        last: events.at(-1)?.properties.content_id,
        seenLast: store.seen(events[0].app_id, 'key-${LINES - 1}'),
        seenNew: store.seen(events[0].app_id, 'key-new'),
      }));
    `;
    const env = {...process.env};
    delete env.NODE_OPTIONS;
    const run = spawnSync(
      NODE,
      [`--max-old-space-size=${HEAP_LIMIT_MB}`, '--input-type=module', '--eval', script, file],
      {env, encoding: 'utf8', timeout: 120_000},
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as {
      report: StoreLoadReport;
      first: string;
      last: string;
      seenLast: boolean;
      seenNew: boolean;
    };
    expect(out).toEqual({
      report: {file, entries: LINES, skippedLines: 0, tornTail: 'none', droppedLines: 0, droppedBytes: 0},
      first: 'key-0',
      last: `doc-${LINES - 1}`,
      seenLast: true,
      seenNew: false,
    });
  }, 120_000);
});
