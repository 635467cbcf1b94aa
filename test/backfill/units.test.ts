/** Pure parts of the backfill: the event, progress formatting, checkpoint and failure files. */
import {chmod, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {evaluate, parse} from 'groq-js';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
  type Checkpoint,
  CheckpointError,
  heapFingerprint,
  incompatibility,
  loadCheckpoint,
  saveCheckpoint,
} from '../../backfill/checkpoint.ts';
import {backfillEvent} from '../../backfill/event.ts';
import {FailureFile, FailureFileError, readFailures, writeFailures} from '../../backfill/failures.ts';
import {
  etaMs,
  formatDuration,
  ProgressReporter,
  progressBar,
  progressLine,
  summaryLine,
} from '../../backfill/progress.ts';
import {countQuery, pageQuery, publishedFilter} from '../../backfill/reader.ts';
import {idempotencyKey} from '../../shared/content-event.ts';
import {REDACTED, Scrubber} from '../../shared/log.ts';
import {isoTimestamp} from '../../shared/timestamp.ts';

const ctx = {
  resourceId: 'abc123de.production',
  identity: 'system:sanity-content',
  now: new Date('2025-06-01T00:00:00Z'),
};
const doc = {
  _id: 'article-1',
  _type: 'article',
  _rev: 'rev1',
  _createdAt: '2023-01-02T03:04:05Z',
  content_id: 'article-1',
  content_type: 'article',
  title: 'Hello',
  topics: ['A', 'B'],
  published_at: '2023-02-01T10:00:00Z',
  revision: 'rev1',
};

describe('backfillEvent', () => {
  it('one Content Published event, timestamped when first published, marked source=backfill', () => {
    const r = backfillEvent(doc, ctx);
    if (!r.ok) throw new Error(r.reason);
    expect(r.event).toMatchObject({
      event: 'Content Published',
      identity: 'system:sanity-content',
      timestamp: '2023-02-01T10:00:00.000Z',
      idempotency_key: idempotencyKey(ctx.resourceId, 'article-1', 'rev1', 'create'),
    });
    expect(r.event.properties).toMatchObject({
      content_id: 'article-1',
      topics: 'A||B',
      source: 'backfill',
      dataset: 'production',
    });
  });

  it('the key depends on the revision only: same revision, same key; new revision, new key', () => {
    const a = backfillEvent(doc, ctx);
    const b = backfillEvent({...doc}, {...ctx, now: new Date()});
    const c = backfillEvent({...doc, _rev: 'rev2'}, ctx);
    if (!a.ok || !b.ok || !c.ok) throw new Error('not built');
    expect(a.event.idempotency_key).toBe(b.event.idempotency_key);
    expect(c.event.idempotency_key).not.toBe(a.event.idempotency_key);
  });

  it('falls back to _createdAt when published_at is missing or not a usable date-time', () => {
    for (const published_at of [undefined, null, '2024-02-30T00:00:00Z', 'March 5, 2024', '2024-01-01T10:00:00']) {
      const r = backfillEvent({...doc, published_at}, ctx);
      if (!r.ok) throw new Error(r.reason);
      expect(r.event.timestamp).toBe('2023-01-02T03:04:05.000Z');
      expect(r.warnings.some((w) => w.startsWith('timestamp:'))).toBe(
        published_at !== undefined && published_at !== null,
      );
    }
  });

  it('no usable timestamp at all, or a draft id: a reason, no event', () => {
    expect(backfillEvent({...doc, published_at: undefined, _createdAt: 'soon'}, ctx)).toEqual({
      ok: false,
      reason: expect.stringMatching(/no usable timestamp/),
    });
    expect(backfillEvent({...doc, _id: 'drafts.article-1'}, ctx)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/draft/),
    });
  });

  it('isoTimestamp accepts zoned ISO 8601 only, and canonicalises it', () => {
    expect(isoTimestamp('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
    expect(isoTimestamp('2024-02-29T23:59:59.5+01:00')).toBe('2024-02-29T22:59:59.500Z');
    for (const bad of [
      '2023-02-29',
      '2024-02-29T24:00:00Z',
      '+010000-01-01T00:00:00Z',
      '2024-01-01T10:00',
      1_700_000_000_000,
      '',
    ]) {
      expect(isoTimestamp(bad)).toBeUndefined();
    }
  });
});

describe('GROQ', () => {
  it('pages by _id cursor from the plan’s projection, published documents only', () => {
    const q = pageQuery({types: ['article']}, 500);
    expect(q).toContain('_id > $last');
    expect(q).toContain('order(_id asc) [0...500]');
    expect(q).toContain('!(_id in path("drafts.**"))');
    expect(q).toContain('!(_id in path("versions.**"))');
    expect(q).toContain('"published_at": publishedAt');
    expect(publishedFilter({types: ['article'], since: '2024-01-01T00:00:00.000Z'})).toContain(
      'coalesce(dateTime(publishedAt), dateTime(publishedAt + "T00:00:00Z"), dateTime(_createdAt)) >= dateTime($since)',
    );
    expect(countQuery({types: ['article']})).toMatch(/^count\(\*\[.*_id > \$last\]\)$/);
  });

  it('--since counts a date field (no time) as that day at midnight UTC', async () => {
    const filter = publishedFilter({types: ['article'], since: '2025-03-01T00:00:00Z'});
    const docs = [
      {_id: 'on-the-day', _type: 'article', publishedAt: '2025-03-01', _createdAt: '2020-01-01T00:00:00Z'},
      {_id: 'day-before', _type: 'article', publishedAt: '2025-02-28', _createdAt: '2026-01-01T00:00:00Z'},
      {_id: 'date-time', _type: 'article', publishedAt: '2025-03-01T10:00:00Z', _createdAt: '2020-01-01T00:00:00Z'},
      {_id: 'created-only', _type: 'article', _createdAt: '2025-03-02T00:00:00Z'},
    ];
    const tree = parse(`*[${filter}]._id`, {params: {types: ['article'], since: '2025-03-01T00:00:00Z'}});
    const ids = await (
      await evaluate(tree, {dataset: docs, params: {types: ['article'], since: '2025-03-01T00:00:00Z'}})
    ).get();
    expect(ids).toEqual(['on-the-day', 'date-time', 'created-only']);
    expect(() => pageQuery({types: ['article']}, 0)).toThrow(RangeError);
  });
});

describe('progress', () => {
  it('formats durations and the ETA at the paced rate', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    // 100,000 events at 1000 per minute: 100 minutes.
    expect(formatDuration(etaMs(100_000, 1000 / 60_000))).toBe('1h 40m');
    expect(etaMs(0, 1)).toBe(0);
  });

  it('plain lines and a bar show documents read, events sent, rate and ETA', () => {
    const s = {read: 2500, sent: 2400, failed: 2, total: 10_000, elapsedMs: 180_000, pacedPerMs: 900 / 60_000};
    expect(progressLine(s)).toBe(
      'backfill: 2,500/10,000 documents read, 2,400 events sent, 2 failed, 800/min, ETA 8m 20s (3m 00s elapsed)',
    );
    const bar = progressBar(s, 120);
    expect(bar).toMatch(/^\[#+-+\] {2}25% 2,500\/10,000 documents read/);
    expect(bar.length).toBeLessThan(120);
    expect(summaryLine({...s, dryRun: true}, 'done')).toBe(
      'backfill done: 2,500 documents read, 2,400 events built (dry run: nothing sent), 2 failed, in 3m 00s',
    );
  });

  it('the reporter prints plain lines at most once per interval, a bar in place on a terminal', () => {
    let t = 0;
    const out: string[] = [];
    const plain = new ProgressReporter({
      stream: {write: (c: string) => out.push(c)},
      tty: false,
      intervalMs: 1000,
      now: () => t,
    });
    const s = {read: 1, sent: 0, failed: 0, elapsedMs: 0};
    plain.update(s);
    plain.update(s);
    t = 999;
    plain.update(s);
    t = 1000;
    plain.update(s);
    expect(out).toHaveLength(2);
    plain.finish('bye');
    expect(out.at(-1)).toBe('bye\n');

    const tty: string[] = [];
    const bar = new ProgressReporter({
      stream: {write: (c: string) => tty.push(c), columns: 80},
      tty: true,
      intervalMs: 1000,
      now: () => t,
    });
    bar.update(s);
    const CLEAR = '\r\x1b[2K';
    expect(tty[0]!.startsWith(`${CLEAR}[`)).toBe(true);
    bar.around(() => tty.push('LOG\n'));
    expect(tty.slice(1, 3)).toEqual([CLEAR, 'LOG\n']);
    expect(tty[3]!.startsWith(`${CLEAR}[`)).toBe(true);
  });
});

describe('checkpoint and failure files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backfill-unit-'));
  });
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true});
  });

  const checkpoint: Checkpoint = {
    version: 1,
    resource: 'abc.production',
    heap: heapFingerprint('https://heapanalytics.com', '1234567890'),
    types: ['article', 'docsPage'],
    since: null,
    cursor: 'b',
    documentsRead: 2,
    eventsSent: 2,
    failed: 0,
    complete: false,
    startedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };

  const SECRET = 'skUnitTestSecret123456';
  const scrubber = new Scrubber([SECRET]);
  const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

  it('saves atomically (no temporary file left), mode 0600, and loads back; none → undefined', async () => {
    const file = join(dir, 'nested', 'cp.json');
    expect(await loadCheckpoint(file)).toBeUndefined();
    await saveCheckpoint(file, checkpoint, scrubber);
    await saveCheckpoint(file, {...checkpoint, cursor: 'c'}, scrubber);
    expect(await loadCheckpoint(file)).toEqual({...checkpoint, cursor: 'c'});
    expect(await readdir(join(dir, 'nested'))).toEqual(['cp.json']);
    expect(await mode(file)).toBe(0o600);
    expect(await mode(join(dir, 'nested'))).toBe(0o700);
    // Through the scrubber, like every output.
    await saveCheckpoint(file, {...checkpoint, cursor: SECRET}, scrubber);
    expect(await readFile(file, 'utf8')).toContain(`"cursor": "${REDACTED}"`);
    // Only whole secrets: an id that merely shares characters with one stays intact (the cursor must).
    const id = `doc-${SECRET.slice(0, 8)}`;
    await saveCheckpoint(file, {...checkpoint, cursor: id}, scrubber);
    expect((await loadCheckpoint(file))?.cursor).toBe(id);
  });

  it('an unreadable checkpoint is an error that says what to do', async () => {
    const file = join(dir, 'cp.json');
    await writeFile(file, '{"version": 1, "cursor": ');
    await expect(loadCheckpoint(file)).rejects.toThrow(CheckpointError);
    await writeFile(file, JSON.stringify({...checkpoint, cursor: 5}));
    await expect(loadCheckpoint(file)).rejects.toThrow(/delete it to start over/);
  });

  it('a checkpoint is only resumed with the same dataset, Heap environment, types and --since', () => {
    const run = {resource: 'abc.production', heap: checkpoint.heap, types: ['docsPage', 'article'], since: null};
    expect(incompatibility(checkpoint, run)).toBeUndefined();
    expect(incompatibility(checkpoint, {...run, resource: 'abc.staging'})).toMatch(/abc\.production/);
    expect(
      incompatibility(checkpoint, {...run, heap: heapFingerprint('https://heapanalytics.com', '999999999')}),
    ).toMatch(/another Heap environment/);
    expect(incompatibility(checkpoint, {...run, types: ['article']})).toMatch(/--types/);
    expect(incompatibility(checkpoint, {...run, since: '2024-01-01T00:00:00.000Z'})).toMatch(/--since/);
    expect(checkpoint.heap).not.toContain('1234567890');
  });

  it('failure files: appended as JSON lines (never emptied on open), mode 0600, scrubbed, read back, rewritten; bad lines are named', async () => {
    const file = join(dir, 'f.jsonl');
    // A file an older version left world-readable becomes 0600 when opened.
    await writeFile(file, '', {mode: 0o644});
    await chmod(file, 0o644);
    const failures = await FailureFile.open(file, scrubber);
    expect(failures.earlier).toBe(0);
    expect(await mode(file)).toBe(0o600);
    await failures.add({time: 't', id: 'a', stage: 'heap', status: 400, reason: `bad ${SECRET}`});
    await failures.add({time: 't', id: 'b', stage: 'build', reason: 'no timestamp'});
    expect((await readFailures(file)).map((r) => r.id)).toEqual(['a', 'b']);
    expect(await readFile(file, 'utf8')).not.toContain(SECRET);
    const again = await FailureFile.open(file, scrubber);
    expect(again.earlier).toBe(2);
    await again.add({time: 't', id: 'c', stage: 'build', reason: 'x'});
    expect(await readFailures(file)).toHaveLength(3);
    await writeFailures(file, [], scrubber);
    expect(await readFile(file, 'utf8')).toBe('');
    expect(await mode(file)).toBe(0o600);
    await writeFile(file, '{"id":"a"}\nnot json\n');
    await expect(readFailures(file)).rejects.toThrow(
      new FailureFileError(`${file} line 2: not JSON (a failure file has one JSON object per line)`),
    );
    await writeFile(file, '{"reason":"x"}\n');
    await expect(readFailures(file)).rejects.toThrow(/line 1: no "id"/);
    await expect(readFailures(join(dir, 'missing.jsonl'))).rejects.toThrow(/does not exist/);
  });
});
