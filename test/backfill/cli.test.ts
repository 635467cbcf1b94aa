/**
 * The backfill CLI end to end, as a child process, against real parts on
 * loopback: the Content Lake stand-in (groq-js over a generated dataset with
 * drafts and release versions) and Local Heap in strict mode with its rate
 * limits on, 100x faster (the CLI's --time-scale matches).
 */
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {loadCheckpoint} from '../../backfill/checkpoint.ts';
import {readFailures} from '../../backfill/failures.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {idempotencyKey} from '../../shared/content-event.ts';
import {
  type ContentLake,
  generateDataset,
  type LakeDocument,
  publishedIds,
  startContentLake,
} from '../../tools/content-lake.ts';
import {backfillEnv, byMsg, DATASET, fileArgs, PROJECT, runCli, SCALE, startCli} from './harness.ts';

const APP_ID = '3141592653';
const TOKEN = 'skBf7Kq2Zr9Wx4Tn8Lp3';
const N = 1500;

let documents: LakeDocument[];
let expected: string[];
let lake: ContentLake;
let heap: LocalHeap;
let dir: string;

beforeAll(async () => {
  documents = generateDataset(N, {seed: 7});
  expected = publishedIds(documents).sort();
  lake = await startContentLake({documents, projectId: PROJECT, dataset: DATASET, token: TOKEN});
});
afterAll(async () => {
  await lake?.close();
});
beforeEach(async () => {
  heap = await startLocalHeap({port: 0, strict: true, rateLimits: {timeScale: SCALE}});
  dir = await mkdtemp(join(tmpdir(), 'backfill-cli-'));
});
afterEach(async () => {
  await heap?.close();
  await rm(dir, {recursive: true, force: true});
});

const files = () => ({checkpoint: join(dir, 'checkpoint.json'), failures: join(dir, 'failures.jsonl')});

const env = (o: {lakeUrl?: string; change?: Record<string, string | undefined>} = {}): Record<string, string> =>
  backfillEnv({lakeUrl: o.lakeUrl ?? lake.url, heapUrl: heap.url, token: TOKEN, appId: APP_ID}, o.change);
const args = (...extra: string[]): string[] => fileArgs(files(), ...extra);

/** Every published document of the tracked types is in Local Heap exactly once. */
function expectDeliveredOnce(h: LocalHeap, ids = expected): void {
  const got = h.events().map((e) => e.properties.content_id as string);
  expect(got.length).toBe(ids.length);
  expect([...got].sort()).toEqual(ids);
}

describe('backfill CLI', () => {
  it('delivers every published document exactly once, paced without a 429; a second full run adds nothing', async () => {
    const first = await runCli(args(), env());
    expect(first.stderr).toContain(`backfill done: 1,500 documents read, 1,500 events sent, 0 failed`);
    expect(first.code).toBe(0);
    expectDeliveredOnce(heap);
    expect(heap.stats()).toMatchObject({stored: N, duplicates: 0, rateLimited: 0, requests: N / 100});

    const byId = new Map(documents.map((d) => [d._id, d]));
    for (const e of heap.events()) {
      const doc = byId.get(e.properties.content_id as string)!;
      expect(e.event).toBe('Content Published');
      expect(e.identity).toBe('system:sanity-content');
      expect(e.properties.source).toBe('backfill');
      expect(e.properties.content_type).toBe(doc._type);
      expect(e.timestamp).toBe(new Date((doc.publishedAt ?? doc._createdAt) as string).toISOString());
      expect(e.idempotency_key).toBe(idempotencyKey(`${PROJECT}.${DATASET}`, doc._id, doc._rev as string, 'create'));
      expect(e.warnings).toEqual([]);
    }
    const checkpoint = await loadCheckpoint(files().checkpoint);
    expect(checkpoint).toMatchObject({complete: true, eventsSent: N, documentsRead: N, cursor: expected.at(-1)});

    // Logs: structured lines, never the app id or the token.
    expect(first.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['start', 'batch', 'done']));
    expect(first.logs.filter(byMsg('batch'))).toHaveLength(N / 100);
    for (const output of [first.stdout, first.stderr]) {
      expect(output).not.toContain(APP_ID);
      expect(output).not.toContain(TOKEN);
    }
    expect(first.logs.find(byMsg('start'))).toMatchObject({app_id: '31…53', documents: N});

    const second = await runCli(args(), env());
    expect(second.code).toBe(0);
    expect(heap.stats()).toMatchObject({stored: N, duplicates: N});
    expectDeliveredOnce(heap);
  });

  it('--dry-run reads and builds everything and sends nothing', async () => {
    const r = await runCli(args('--dry-run'), env());
    expect(r.code).toBe(0);
    expect(heap.stats().requests).toBe(0);
    expect(existsSync(files().checkpoint)).toBe(false);
    expect(r.logs.find(byMsg('done'))).toMatchObject({
      dry_run: true,
      events_built: N,
      events_sent: 0,
      documents_read: N,
    });
    expect(r.stderr).toContain('1,500 events built (dry run: nothing sent)');
  });

  it('killed mid-way (SIGKILL) and resumed with --resume: every document exactly once overall', async () => {
    const run = startCli(args(), env());
    await run.waitFor(byMsg('batch'), 4);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const stored = heap.stats().stored;
    expect(stored).toBeGreaterThanOrEqual(400);
    expect(stored).toBeLessThan(N);
    const checkpoint = await loadCheckpoint(files().checkpoint);
    expect(checkpoint?.complete).toBe(false);
    expect(checkpoint!.eventsSent).toBeLessThanOrEqual(stored);

    // Starting over by accident is refused: the checkpoint says what to do.
    const again = await runCli(args(), env());
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/unfinished backfill.*--resume/);

    const resumed = await runCli(args('--resume'), env());
    expect(resumed.code).toBe(0);
    expect(resumed.logs.find(byMsg('start'))).toMatchObject({
      mode: 'resume',
      after: checkpoint!.cursor,
      documents: N - checkpoint!.documentsRead,
    });
    expectDeliveredOnce(heap);
    // At most the batch in flight when it was killed went twice (Heap ignored it by idempotency key).
    expect(heap.stats().duplicates).toBeLessThanOrEqual(100);
    expect(await loadCheckpoint(files().checkpoint)).toMatchObject({complete: true});
  });

  it('Ctrl-C finishes the batch in flight, saves and exits 130; --resume then sends nothing twice', async () => {
    const run = startCli(args(), env());
    await run.waitFor(byMsg('batch'), 3);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    expect(stopped.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['interrupting', 'interrupted']));
    const checkpoint = await loadCheckpoint(files().checkpoint);
    const lastBatch = stopped.logs.filter(byMsg('batch')).at(-1)!;
    expect(checkpoint!.cursor).toBe(lastBatch.cursor);
    expect(checkpoint!.eventsSent).toBe(heap.stats().stored);
    expect(stopped.stderr).toMatch(/backfill interrupted: .*\n.*--resume --checkpoint /);

    const resumed = await runCli(args('--resume'), env());
    expect(resumed.code).toBe(0);
    expectDeliveredOnce(heap);
    expect(heap.stats().duplicates).toBe(0);

    // Resuming a complete backfill does nothing.
    const nothing = await runCli(args('--resume'), env());
    expect(nothing.code).toBe(0);
    expect(nothing.logs.map((l) => l.msg)).toContain('nothing_to_do');
    expect(heap.stats().duplicates).toBe(0);
  });

  it('429 and 5xx storms and dropped connections: pauses, honours Retry-After, still exactly once', async () => {
    heap.injectFault({status: 429, retryAfter: '1', count: 1});
    heap.injectFault({status: 503, count: 3});
    heap.injectFault({status: 429, retryAfter: 0, count: 2});
    heap.injectFault({reset: true, count: 2});
    heap.injectFault({status: 500, count: 12});
    const r = await runCli(args('--limit', '500'), env());
    expect(r.code).toBe(0);
    expectDeliveredOnce(heap, expected.slice(0, 500));
    expect(heap.stats()).toMatchObject({faulted: 20, duplicates: 0});

    const throttled = r.logs.filter(byMsg('heap_throttled'));
    expect(throttled).toHaveLength(3);
    expect(throttled[0]).toMatchObject({status: 429, retry_in_ms: expect.any(Number)});
    expect(throttled[0]!.retry_in_ms as number).toBeGreaterThanOrEqual(1000);
    // The next attempt came only after Retry-After.
    const next = r.logs.find((l) => l.msg === 'heap_retry' && l.status === 503)!;
    expect(Date.parse(next.time as string) - Date.parse(throttled[0]!.time as string)).toBeGreaterThanOrEqual(1000);
    expect(r.logs.filter(byMsg('heap_retry')).length).toBe(17);
    // Eight attempts per round: two rounds given up, the third delivered.
    expect(r.logs.filter(byMsg('heap_unavailable')).map((l) => l.round)).toEqual([1, 2]);
  });

  it('two runs at once share the identity budget: real 429s from Local Heap, both finish, nothing stored twice', async () => {
    // Both runs start sending at the same moment whatever the machine's load: the stand-in answers
    // nothing until both have asked for their first count (a barrier, not a sleep). Each run alone
    // stays under the limit; together they send at 1.7 times it. Windows 20x shorter than Heap's
    // (not 100x) so that a CPU-starved run still sends fast enough for the sum to exceed the limit.
    const scale = 0.05;
    const gated = await startContentLake({
      documents,
      projectId: PROJECT,
      dataset: DATASET,
      token: TOKEN,
      answerAfter: 2,
    });
    const shared = await startLocalHeap({port: 0, strict: true, rateLimits: {timeScale: scale}});
    try {
      const run = (checkpoint: string, failures: string) =>
        runCli(
          ['--time-scale', String(scale), '--checkpoint', checkpoint, '--failures', failures],
          env({lakeUrl: gated.url, change: {HEAP_API_URL: shared.url}}),
        );
      const [ra, rb] = await Promise.all([
        run(join(dir, 'a.json'), join(dir, 'a.jsonl')),
        run(join(dir, 'b.json'), join(dir, 'b.jsonl')),
      ]);
      expect([ra.code, rb.code]).toEqual([0, 0]);
      expect(shared.stats().rateLimited).toBeGreaterThan(0);
      expect([...ra.logs, ...rb.logs].filter(byMsg('heap_throttled')).length).toBe(shared.stats().rateLimited);
      expectDeliveredOnce(shared);
      expect(shared.stats().duplicates).toBe(N);
    } finally {
      await gated.close();
      await shared.close();
    }
  });

  it('bad flags and missing variables: a clear message and exit 2; --help explains', async () => {
    const bogus = await runCli(['--bogus'], env());
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/backfill: Unknown option '--bogus'.*\nRun with --help/s);
    expect(bogus.logs).toEqual([
      expect.objectContaining({level: 'error', msg: 'usage', reason: expect.stringContaining('--bogus')}),
    ]);

    const noApp = await runCli([], env({change: {HEAP_APP_ID: undefined}}));
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toMatch(/HEAP_APP_ID is not set/);

    const noResume = await runCli(args('--resume'), env());
    expect(noResume.code).toBe(2);
    expect(noResume.stderr).toMatch(/--resume: there is no checkpoint/);

    const noFile = await runCli(['--retry-failed', join(dir, 'missing.jsonl')], env());
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/missing\.jsonl does not exist/);

    const help = await runCli(['--help'], {PATH: process.env.PATH ?? ''});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run backfill -- \[options\]/);
    expect(heap.stats().requests).toBe(0);
  });
});

describe('backfill CLI: events Heap rejects for good', () => {
  let small: ContentLake;
  let smallDocs: LakeDocument[];
  const BAD = 'zzzz-bad-timestamps';

  beforeAll(async () => {
    smallDocs = [
      ...generateDataset(10, {seed: 5}),
      // Cannot be normalised away: no valid date to time the event at.
      {
        _id: BAD,
        _type: 'article',
        _rev: 'r1',
        _createdAt: '2024-02-30T00:00:00Z',
        publishedAt: 'yesterday',
        title: 'Bad dates',
      },
    ];
    small = await startContentLake({documents: smallDocs, projectId: PROJECT, dataset: DATASET, token: TOKEN});
  });
  afterAll(async () => {
    await small?.close();
  });

  it('rejected events go to the failure file with the reason, exit 1; --retry-failed re-drives them', async () => {
    const ids = publishedIds(smallDocs).sort();
    expect(ids.at(-1)).toBe(BAD);
    // Heap rejects the first batch of 4, then its first half, then that half's first event.
    heap.injectFault({status: 400, count: 3, body: 'events[0].properties.title: rejected by the test'});
    const r = await runCli(args('--batch-size', '4'), env({lakeUrl: small.url}));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--retry-failed ${files().failures}`);
    const failures = await readFailures(files().failures);
    expect(failures).toEqual([
      expect.objectContaining({
        id: ids[0],
        stage: 'heap',
        status: 400,
        reason: 'events[0].properties.title: rejected by the test',
        event: expect.objectContaining({event: 'Content Published'}),
      }),
      expect.objectContaining({id: BAD, stage: 'build', reason: expect.stringMatching(/no usable timestamp/)}),
    ]);
    expect(r.logs.filter(byMsg('event_failed')).map((l) => l.content_id)).toEqual([ids[0], BAD]);
    expect(r.logs.find(byMsg('done'))).toMatchObject({
      outcome: 'done_with_failures',
      failed: 2,
      failures_file: files().failures,
    });
    expectDeliveredOnce(heap, ids.slice(1, -1));

    const retry = await runCli(
      ['--time-scale', String(SCALE), '--retry-failed', files().failures],
      env({lakeUrl: small.url}),
    );
    // The document Heap rejected is delivered now; the one without dates still cannot be.
    expect(retry.code).toBe(1);
    expectDeliveredOnce(heap, ids.slice(0, -1));
    expect((await readFailures(files().failures)).map((f) => f.id)).toEqual([BAD]);

    // A file of documents that can all be delivered (one no longer exists): exit 0, file emptied.
    const file = join(dir, 'again.jsonl');
    await writeFile(
      file,
      [ids[1], ids[2], 'deleted-meanwhile']
        .map((id) => JSON.stringify({id, stage: 'heap', reason: 'x', time: 't'}))
        .join('\n'),
    );
    const clean = await runCli(['--time-scale', String(SCALE), '--retry-failed', file], env({lakeUrl: small.url}));
    expect(clean.code).toBe(0);
    expect(clean.logs.find(byMsg('retry_not_found'))).toMatchObject({count: 1, content_ids: ['deleted-meanwhile']});
    expect(await readFile(file, 'utf8')).toBe('');
    expect(heap.stats().duplicates).toBe(2);
  });

  it('Heap rejecting every event of a batch, or refusing every request: stop with exit 3, nothing recorded as failed', async () => {
    heap.injectFault({status: 400, count: 100, body: 'app_id: unknown environment'});
    const all = await runCli(args('--batch-size', '10'), env({lakeUrl: small.url}));
    expect(all.code).toBe(3);
    expect(all.stderr).toMatch(
      /backfill stopped: Heap at 127\.0\.0\.1:\d+ rejected every one of the 10 events of a batch \(400: app_id: unknown environment\)/,
    );
    expect(await readFailures(files().failures)).toEqual([]);
    expect(existsSync(files().checkpoint)).toBe(false);
    heap.clearFaults();

    heap.injectFault({status: 404, count: 1, body: 'not found'});
    const wrongUrl = await runCli(args(), env({lakeUrl: small.url}));
    expect(wrongUrl.code).toBe(3);
    expect(wrongUrl.logs.find(byMsg('stopped'))).toMatchObject({
      level: 'error',
      reason: expect.stringMatching(/Heap at 127\.0\.0\.1:\d+ answered 404/),
    });
    expect(heap.stats().stored).toBe(0);

    // Sanity refusing the token: stopped before anything is sent.
    const badToken = await runCli(args(), env({lakeUrl: small.url, change: {SANITY_API_TOKEN: 'sk-wrong'}}));
    expect(badToken.code).toBe(3);
    expect(badToken.stderr).toMatch(/backfill stopped: .*unauthorized/);
    expect(badToken.stdout).not.toContain('sk-wrong');
  });
});
