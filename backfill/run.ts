/**
 * The backfill run: read published documents page by page, build one
 * "Content Published" event each, send them in paced bulk batches, and save
 * the `_id` cursor after every batch Heap accepted. Also the
 * `--retry-failed` mode, which re-reads the documents of a failure file.
 *
 * Everything outside (the Sanity client, the clock, fetch, where logs and
 * progress go, the interrupt signal) is passed in, so the CLI is a thin shell
 * and the run can be tested in-process.
 */
import {resolve} from 'node:path';
import type {HeapEvent} from '../shared/content-event.ts';
import {Scrubber} from '../shared/log.ts';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  checkCheckpointWritable,
  heapFingerprint,
  incompatibility,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.ts';
import {backfillEvent} from './event.ts';
import {
  appendFailures,
  checkFailuresWritable,
  FailureFile,
  FailureFileError,
  type FailureRecord,
  readFailures,
  writeFailures,
} from './failures.ts';
import {type BackfillOptions, UsageError} from './options.ts';
import {type Clock, heapPacer, type Pacer, realClock} from './pacer.ts';
import {etaMs, formatDuration, type ProgressSnapshot, summaryLine} from './progress.ts';
import {countRemaining, type ProjectedDocument, type QueryClient, readByIds, readPublished} from './reader.ts';
import {Interrupted, type Item, loggingSender, type Rejected, type Sender, StopError} from './send.ts';

export type RunOptions = Omit<BackfillOptions, 'help'>;

export type Level = 'info' | 'warn' | 'error';
export type Logger = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

export interface ProgressSink {
  update(s: ProgressSnapshot, force?: boolean): void;
  finish(summary: string): void;
}

export interface BackfillDeps {
  client: QueryClient;
  log: Logger;
  progress?: ProgressSink;
  clock?: Clock;
  fetch?: typeof fetch;
  random?: () => number;
  /** Aborted on Ctrl-C: the batch in flight is finished and saved, then the run stops. */
  signal?: AbortSignal;
  /** Documents per query (default READ_PAGE_SIZE). */
  pageSize?: number;
  /** What every file and message passes through; default: one for the options' app id and token. */
  scrubber?: Scrubber;
}

export type Outcome = 'done' | 'done_with_failures' | 'interrupted' | 'stopped' | 'usage';

export interface BackfillResult {
  outcome: Outcome;
  /** 0 done, 1 failures recorded, 2 usage, 3 stopped, 130 interrupted. */
  exitCode: 0 | 1 | 2 | 3 | 130;
  read: number;
  sent: number;
  failed: number;
  message?: string;
}

const EXIT: Record<Outcome, BackfillResult['exitCode']> = {
  done: 0,
  done_with_failures: 1,
  usage: 2,
  stopped: 3,
  interrupted: 130,
};

interface DocMeta {
  id: string;
  type?: string;
  rev?: string;
}

function metaOf(doc: ProjectedDocument): DocMeta {
  const meta: DocMeta = {id: doc._id};
  if (typeof doc._type === 'string') meta.type = doc._type;
  if (typeof doc._rev === 'string') meta.rev = doc._rev;
  return meta;
}

function failureRecord(
  meta: DocMeta,
  now: Date,
  f: {stage: 'heap' | 'build'; reason: string; status?: number; event?: HeapEvent},
): FailureRecord {
  const r: FailureRecord = {time: now.toISOString(), ...meta, stage: f.stage, reason: f.reason};
  if (f.status !== undefined) r.status = f.status;
  if (f.event !== undefined) r.event = f.event;
  return r;
}

/** Shared by both modes: counters, pacing, building and sending. */
class Session {
  readonly o: RunOptions;
  readonly d: BackfillDeps;
  readonly clock: Clock;
  readonly pacer: Pacer;
  readonly sender: Sender;
  readonly resourceId: string;
  readonly started: number;
  readonly scrubber: Scrubber;
  read = 0;
  sent = 0;
  failed = 0;
  total: number | undefined;

  constructor(o: RunOptions, d: BackfillDeps) {
    this.o = o;
    this.d = d;
    this.scrubber = d.scrubber ?? new Scrubber([o.heap.appId, o.sanity.token]);
    this.clock = d.clock ?? realClock;
    this.started = this.clock.now();
    this.resourceId = `${o.sanity.projectId}.${o.sanity.dataset}`;
    this.pacer = heapPacer({batchSize: o.batchSize, timeScale: o.timeScale, clock: this.clock});
    this.sender = loggingSender(
      {
        apiUrl: o.heap.apiUrl,
        appId: o.heap.appId,
        secrets: this.scrubber.secrets,
        pacer: this.pacer,
        timeScale: o.timeScale,
        fetch: d.fetch,
        random: d.random,
      },
      d.log,
    );
  }

  snapshot(): ProgressSnapshot {
    const s: ProgressSnapshot = {
      read: this.read,
      sent: this.sent,
      failed: this.failed,
      elapsedMs: this.clock.now() - this.started,
      dryRun: this.o.dryRun,
    };
    if (this.total !== undefined) s.total = this.total;
    if (!this.o.dryRun) s.pacedPerMs = this.pacer.ratePerMs;
    return s;
  }

  /** The event for `doc`, or a build failure. Logs the normaliser's warnings. */
  build(doc: ProjectedDocument): {item: Item<DocMeta>} | {failure: FailureRecord} {
    const meta = metaOf(doc);
    const now = new Date(this.clock.now());
    const built = backfillEvent(doc, {resourceId: this.resourceId, identity: this.o.heap.identity, now});
    if (!built.ok) return {failure: failureRecord(meta, now, {stage: 'build', reason: built.reason})};
    if (built.warnings.length > 0)
      this.d.log('info', 'document_warnings', {content_id: meta.id, warnings: built.warnings});
    return {item: {event: built.event, meta}};
  }

  /** Send a batch (nothing in a dry run); the rejected items become failure records. */
  async send(items: Item<DocMeta>[], signal?: AbortSignal): Promise<{accepted: number; failures: FailureRecord[]}> {
    if (items.length === 0) return {accepted: 0, failures: []};
    if (this.o.dryRun) return {accepted: items.length, failures: []};
    const {accepted, rejected} = await this.sender.send(items, signal);
    const now = new Date(this.clock.now());
    return {
      accepted,
      failures: rejected.map((r: Rejected<DocMeta>) =>
        failureRecord(r.item.meta, now, {stage: 'heap', status: r.status, reason: r.reason, event: r.item.event}),
      ),
    };
  }

  logFailures(failures: readonly FailureRecord[]): void {
    for (const f of failures) {
      this.d.log('warn', 'event_failed', {
        content_id: f.id,
        content_type: f.type ?? null,
        revision: f.rev ?? null,
        stage: f.stage,
        status: f.status ?? null,
        reason: f.reason,
      });
    }
  }

  finish(outcome: Outcome, fields: Record<string, unknown> = {}, message?: string): BackfillResult {
    const s = this.snapshot();
    const label = {
      done: 'done',
      done_with_failures: 'done with failures',
      interrupted: 'interrupted',
      stopped: 'stopped',
      usage: 'not started',
    }[outcome];
    this.d.progress?.finish(summaryLine(s, label));
    this.d.log(
      outcome === 'done' ? 'info' : outcome === 'stopped' ? 'error' : 'warn',
      outcome === 'done' || outcome === 'done_with_failures' ? 'done' : outcome,
      {
        outcome,
        documents_read: this.read,
        events_sent: this.o.dryRun ? 0 : this.sent,
        ...(this.o.dryRun ? {events_built: this.sent, dry_run: true} : {}),
        failed: this.failed,
        requests: this.sender.requests,
        elapsed_ms: s.elapsedMs,
        ...(message ? {reason: message} : {}),
        ...fields,
      },
    );
    const result: BackfillResult = {
      outcome,
      exitCode: EXIT[outcome],
      read: this.read,
      sent: this.sent,
      failed: this.failed,
    };
    if (message) result.message = message;
    return result;
  }
}

/** A message as long as a person reads: one line, scrubbed. */
const MAX_MESSAGE = 1000;

/** Run the backfill (or `--retry-failed`). Never throws for expected problems: they are outcomes. */
export async function runBackfill(o: RunOptions, d: BackfillDeps): Promise<BackfillResult> {
  const session = new Session(o, d);
  const line = (text: string): string => session.scrubber.line(text, MAX_MESSAGE);
  try {
    return o.retryFailed !== undefined ? await retryFailed(session, o.retryFailed) : await backfill(session);
  } catch (err) {
    if (err instanceof UsageError || err instanceof CheckpointError || err instanceof FailureFileError)
      return session.finish('usage', {}, line(err.message));
    if (err instanceof Interrupted)
      return session.finish(
        'interrupted',
        {},
        'interrupted before the next batch was sent; the checkpoint holds every batch Heap accepted',
      );
    if (err instanceof StopError) return session.finish('stopped', {}, line(err.message));
    // Sanity unreachable, a query error, a full disk: stop, the checkpoint is intact.
    return session.finish('stopped', {}, line(err instanceof Error ? err.message : String(err)));
  }
}

async function backfill(s: Session): Promise<BackfillResult> {
  const {o, d} = s;
  const run = {
    resource: s.resourceId,
    heap: heapFingerprint(o.heap.apiUrl, o.heap.appId),
    types: o.types,
    since: o.since ?? null,
  };
  // Before any request: a path that cannot be written is found now, not after sending.
  let failures: FailureFile | undefined;
  if (!o.dryRun) {
    await checkCheckpointWritable(o.checkpoint);
    failures = await FailureFile.open(o.failures, s.scrubber);
  }
  const existing = await loadCheckpoint(o.checkpoint);
  let checkpoint: Checkpoint;
  const nowIso = (): string => new Date(s.clock.now()).toISOString();
  if (o.resume) {
    if (!existing)
      throw new UsageError(
        `--resume: there is no checkpoint at ${o.checkpoint} (give --checkpoint FILE, or start without --resume)`,
      );
    const why = incompatibility(existing, run);
    if (why) throw new UsageError(`--resume: the checkpoint ${o.checkpoint} cannot be resumed here: ${why}`);
    checkpoint = existing;
    if (existing.complete) {
      d.log('info', 'nothing_to_do', {
        checkpoint: o.checkpoint,
        cursor: existing.cursor,
        events_sent_total: existing.eventsSent,
      });
      return s.finish('done', {reason: 'the checkpoint says this backfill is complete'});
    }
  } else {
    if (existing && !existing.complete && !o.dryRun) {
      throw new UsageError(
        `an unfinished backfill's checkpoint is at ${o.checkpoint} (${existing.eventsSent} events sent, up to ${existing.cursor || 'the start'}): continue it with --resume, or delete the file to start over`,
      );
    }
    checkpoint = {
      version: CHECKPOINT_VERSION,
      ...run,
      types: [...o.types],
      cursor: '',
      documentsRead: 0,
      eventsSent: 0,
      failed: 0,
      complete: false,
      startedAt: nowIso(),
      updatedAt: nowIso(),
    };
  }

  const selection = {types: o.types, ...(o.since === undefined ? {} : {since: o.since})};
  const remaining = await countRemaining(d.client, selection, checkpoint.cursor);
  s.total = o.limit === undefined ? remaining : Math.min(remaining, o.limit);
  d.log('info', 'start', {
    mode: o.dryRun ? 'dry_run' : o.resume ? 'resume' : 'full',
    resource_id: s.resourceId,
    types: o.types,
    since: o.since ?? null,
    limit: o.limit ?? null,
    after: checkpoint.cursor || null,
    documents: s.total,
    heap_api_url: o.heap.apiUrl,
    app_id: o.heap.appId,
    identity: o.heap.identity,
    batch_size: o.batchSize,
    events_per_minute: Math.floor(s.pacer.ratePerMs * 60_000),
    estimated_ms: Math.round(etaMs(s.total, s.pacer.ratePerMs)),
    checkpoint: o.dryRun ? null : o.checkpoint,
  });
  d.progress?.update(s.snapshot(), true);

  if (failures && failures.earlier > 0)
    d.log('info', 'earlier_failures', {
      failures_file: o.failures,
      count: failures.earlier,
      reason: 'kept: this run appends; re-drive them with --retry-failed',
    });

  let batch: Item<DocMeta>[] = [];
  let pending: FailureRecord[] = [];
  let lastId = checkpoint.cursor;
  let flushedId = checkpoint.cursor;
  let readAtLastFlush = 0;
  let exhausted = true;

  /** Send what was read since the last flush; then the checkpoint moves past it. */
  const flush = async (): Promise<void> => {
    if (lastId === flushedId) return;
    const size = batch.length;
    const {accepted, failures: rejected} = await s.send(batch, d.signal);
    const all = [...pending, ...rejected];
    for (const f of all) await failures?.add(f);
    s.logFailures(all);
    s.sent += accepted;
    s.failed += all.length;
    if (!o.dryRun) {
      checkpoint = {
        ...checkpoint,
        cursor: lastId,
        documentsRead: checkpoint.documentsRead + s.read - readAtLastFlush,
        eventsSent: checkpoint.eventsSent + accepted,
        failed: checkpoint.failed + all.length,
        updatedAt: nowIso(),
      };
      await saveCheckpoint(o.checkpoint, checkpoint, s.scrubber);
      d.log('info', 'batch', {
        events: size,
        accepted,
        failed: all.length,
        cursor: lastId,
        documents_read: s.read,
        events_sent: s.sent,
      });
    }
    flushedId = lastId;
    readAtLastFlush = s.read;
    batch = [];
    pending = [];
    d.progress?.update(s.snapshot());
  };

  for await (const doc of readPublished(d.client, {
    ...selection,
    after: checkpoint.cursor,
    ...(d.pageSize ? {pageSize: d.pageSize} : {}),
  })) {
    s.read += 1;
    lastId = doc._id;
    const built = s.build(doc);
    if ('item' in built) batch.push(built.item);
    else pending.push(built.failure);
    if (batch.length >= o.batchSize) await flush();
    if (d.signal?.aborted) {
      exhausted = false;
      break;
    }
    if (o.limit !== undefined && s.read >= o.limit) {
      exhausted = false;
      break;
    }
    d.progress?.update(s.snapshot());
  }

  if (d.signal?.aborted) {
    // What was read after the last saved batch is read again on --resume.
    return s.finish(
      'interrupted',
      {checkpoint: o.checkpoint, cursor: checkpoint.cursor || null},
      'interrupted: the batch in flight was finished and saved; continue with --resume',
    );
  }
  await flush();
  if (exhausted && !o.dryRun) {
    checkpoint = {...checkpoint, complete: true, updatedAt: nowIso()};
    await saveCheckpoint(o.checkpoint, checkpoint, s.scrubber);
  }
  const totalFailed = checkpoint.failed;
  const fields: Record<string, unknown> = o.dryRun
    ? {
        estimated_send_ms: Math.round(etaMs(s.sent, s.pacer.ratePerMs)),
        estimated_send: formatDuration(etaMs(s.sent, s.pacer.ratePerMs)),
      }
    : {
        complete: exhausted,
        cursor: checkpoint.cursor || null,
        failed_total: totalFailed,
        failures_file: totalFailed > 0 ? o.failures : null,
        ...(failures && failures.earlier > 0 ? {earlier_failures: failures.earlier} : {}),
      };
  return s.finish(totalFailed > 0 || s.failed > 0 ? 'done_with_failures' : 'done', fields);
}

async function retryFailed(s: Session, file: string): Promise<BackfillResult> {
  const {o, d} = s;
  const records = await readFailures(file);
  // The same file is rewritten with what still fails; another one is appended to, never emptied.
  const rewrite = resolve(o.failures) === resolve(file);
  if (!o.dryRun) {
    if (rewrite) await checkFailuresWritable(file);
    else await FailureFile.open(o.failures, s.scrubber);
  }
  const ids = [...new Set(records.map((r) => r.id))];
  s.total = ids.length;
  d.log('info', 'start', {
    mode: o.dryRun ? 'retry_failed_dry_run' : 'retry_failed',
    resource_id: s.resourceId,
    file,
    documents: ids.length,
    heap_api_url: o.heap.apiUrl,
    app_id: o.heap.appId,
    identity: o.heap.identity,
  });
  const still: FailureRecord[] = [];
  const found = new Set<string>();
  let batch: Item<DocMeta>[] = [];
  const flush = async (): Promise<void> => {
    const {accepted, failures} = await s.send(batch, d.signal);
    s.sent += accepted;
    still.push(...failures);
    s.logFailures(failures);
    if (!o.dryRun && batch.length > 0)
      d.log('info', 'batch', {
        events: batch.length,
        accepted,
        failed: failures.length,
        documents_read: s.read,
        events_sent: s.sent,
      });
    batch = [];
    d.progress?.update(s.snapshot());
  };
  for await (const doc of readByIds(d.client, ids)) {
    s.read += 1;
    found.add(doc._id);
    const built = s.build(doc);
    if ('item' in built) batch.push(built.item);
    else {
      still.push(built.failure);
      s.logFailures([built.failure]);
    }
    if (batch.length >= o.batchSize) await flush();
    if (d.signal?.aborted)
      return s.finish('interrupted', {file}, `interrupted: ${file} is unchanged; run --retry-failed again`);
  }
  await flush();
  s.failed = still.length;
  const gone = ids.filter((id) => !found.has(id));
  if (gone.length > 0)
    d.log('warn', 'retry_not_found', {
      count: gone.length,
      content_ids: gone.slice(0, 20),
      reason: 'no longer published (deleted or unpublished): nothing to send',
    });
  if (!o.dryRun && rewrite) await writeFailures(o.failures, still, s.scrubber);
  else if (!o.dryRun) await appendFailures(o.failures, still, s.scrubber);
  return s.finish(still.length > 0 ? 'done_with_failures' : 'done', {
    file,
    not_found: gone.length,
    failures_file: o.dryRun ? null : o.failures,
    still_failing: still.length,
  });
}
