/**
 * Benchmark 5: the backfill against Heap's pacing ceiling, on a scaled clock.
 *
 * Three processes: the Content Lake stand-in with the generated dataset
 * (bench/support/lake-child.ts), Local Heap with Heap's real limits on windows
 * shortened by `timeScale` (this process), and the backfill
 * (bench/support/backfill-child.ts: parseCommand + runBackfill, as
 * `npm run backfill`, with `--time-scale`). Heap's ceiling for one identity is
 * 1000 bulk events per minute, i.e. 1000 / timeScale per minute of wall time;
 * the figure is events stored per minute of the run divided by that ceiling.
 * Peak memory is the backfill process's peak RSS.
 *
 * Baseline: a one-off script (bench/support/baseline-backfill-child.ts) that
 * fetches every document in one query and posts one single-shape event per
 * document, bounded to `baselineDocuments` posts.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {promisify} from 'node:util';
import {type LocalHeap, startLocalHeap} from '../local-heap/server.ts';
import {RATE_LIMITS} from '../shared/heap-rules.ts';
import {cliEnv} from '../tools/sanity-cli.ts';
import {REPO_ROOT} from './build.ts';
import type {BenchConfig} from './config.ts';
import {APP_ID, DATASET, PROJECT_ID} from './fixtures.ts';
import {compareRow, median, type ResultRow, ratio, type StoredTally, storedTally, summarise} from './stats.ts';

const run = promisify(execFile);
/**
 * The pacer-alone runs: one type (about a quarter of the generated documents), read in one page,
 * at most PACING_DOCUMENTS of them, on a clock scaled ×0.1: each request's loopback time (not
 * scaled) then weighs against the window about as a real network's does against Heap's minute.
 */
const PACING_TYPE = 'docsPage';
const PACING_DOCUMENTS = 5000;
const PACING_TIME_SCALE = 0.1;
const SUPPORT = join(REPO_ROOT, 'bench', 'support');

interface LakeProcess {
  url: string;
  published: number;
  child: ChildProcess;
}

async function startLakeProcess(documents: number, seed: number): Promise<LakeProcess> {
  const child = spawn(process.execPath, [join(SUPPORT, 'lake-child.ts'), String(documents), String(seed)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({input: child.stdout!});
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) =>
      reject(new Error(`the Content Lake stand-in exited with ${code} before it was ready`)),
    );
  });
  const info = JSON.parse(line) as {url: string; published: number};
  return {url: info.url, published: info.published, child};
}

async function stopLakeProcess(lake: LakeProcess): Promise<void> {
  if (lake.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => lake.child.once('exit', () => resolve()));
  lake.child.stdin?.end();
  const timer = setTimeout(() => lake.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

interface RunFigures extends StoredTally {
  elapsedMs: number;
  perMinute: number;
  ratio: number;
  peakRssMiB: number;
  throttled: number;
  /** Events stored after the first request, per minute between the first and the last request, as a share of the ceiling. */
  steadyRatio: number;
  /** Real ms from spawning the process until Heap stored its first event. */
  startupMs: number;
  /** The most events in any one of Heap's windows, as a share of the limit. */
  busiestRatio: number;
}

/** The most events Local Heap received within any one of its (scaled) windows. */
function busiestWindow(heap: LocalHeap, windowMs: number): number {
  const times = heap
    .events()
    .map((e) => Date.parse(e.received_at))
    .sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[i]! <= times[j]! - windowMs) i++;
    worst = Math.max(worst, j - i + 1);
  }
  return worst;
}

/**
 * Pacing apart from start-up, from when Local Heap received each request (the events of one
 * request share the time). Steady: from the first request one window after the first (the
 * buckets' batches saved up during start-up are spent by then) to the latest request that closes
 * a whole number k of limits' worth of events (k × 1000), k × 1000 events per that time, as a
 * share of the ceiling. Whole limits, because the batches are not evenly spread within a window.
 */
function pacing(
  heap: LocalHeap,
  spawnedAt: number,
  ceilingPerMinute: number,
  windowMs: number,
): {steadyRatio: number; startupMs: number} {
  const perRequest = new Map<number, number>();
  for (const e of heap.events()) {
    const t = Date.parse(e.received_at);
    perRequest.set(t, (perRequest.get(t) ?? 0) + 1);
  }
  const times = [...perRequest.keys()].sort((a, b) => a - b);
  if (times.length === 0) return {steadyRatio: 0, startupMs: Number.NaN};
  const startupMs = times[0]! - spawnedAt;
  const from = times.find((t) => t >= times[0]! + windowMs);
  const limit = RATE_LIMITS.bulkPerIdentity.events;
  let events = 0;
  let whole = {events: 0, ms: 0};
  for (const t of times) {
    if (from === undefined || t <= from) continue;
    events += perRequest.get(t)!;
    // Fewer than a thousand after the first window (a --quick run): what there is.
    if (events % limit === 0 || whole.events < limit) whole = {events, ms: t - from};
  }
  return {steadyRatio: whole.ms > 0 ? whole.events / (whole.ms / 60_000) / ceilingPerMinute : 0, startupMs};
}

function figures(
  heap: LocalHeap,
  expected: number,
  elapsedMs: number,
  ceilingPerMinute: number,
  peakRssKb: number,
  spawnedAt: number,
  windowMs: number,
): RunFigures {
  const tally = storedTally(heap, expected);
  const perMinute = tally.stored / (elapsedMs / 60_000);
  return {
    ...tally,
    elapsedMs,
    perMinute,
    ratio: perMinute / ceilingPerMinute,
    peakRssMiB: peakRssKb / 1024,
    throttled: heap.stats().rateLimited,
    ...pacing(heap, spawnedAt, ceilingPerMinute, windowMs),
    busiestRatio: busiestWindow(heap, windowMs) / RATE_LIMITS.bulkPerIdentity.events,
  };
}

/** Run a bench/support child against the Content Lake stand-in and Local Heap; its last stdout line is its JSON result. */
async function runChild<T>(
  script: string,
  args: string[],
  urls: {lake: string; heap: string},
  env: Record<string, string>,
): Promise<T> {
  const {stdout} = await run(process.execPath, [join(SUPPORT, script), ...args], {
    env: cliEnv({
      SANITY_PROJECT_ID: PROJECT_ID,
      SANITY_DATASET: DATASET,
      SANITY_API_HOST: urls.lake,
      HEAP_APP_ID: APP_ID,
      HEAP_API_URL: urls.heap,
      ...env,
    }),
    cwd: REPO_ROOT,
    timeout: 30 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

export async function backfillBenchmark(cfg: BenchConfig, log: (line: string) => void): Promise<ResultRow[]> {
  const {documents, runs, timeScale, pageSize, batchSize, baselineDocuments} = cfg.backfill;
  const ceilingPerMinute = RATE_LIMITS.bulkPerIdentity.events / timeScale;
  const lake = await startLakeProcess(documents, cfg.seed + 3);
  log(
    `backfill: Content Lake stand-in with ${documents.toLocaleString('en-US')} published documents (${lake.published.toLocaleString('en-US')} of the tracked types) at ${lake.url}`,
  );
  const ours: RunFigures[] = [];
  const paced: RunFigures[] = [];
  const base: RunFigures[] = [];
  const baseDetail: {fetched: number; posted: number; statuses: Record<string, number>}[] = [];
  const windowMs = RATE_LIMITS.bulkPerIdentity.windowMs * timeScale;
  const tmp = await mkdtemp(join(tmpdir(), 'sanity-heap-bench-'));
  /** One `npm run backfill` run in a fresh process against a fresh Local Heap. */
  const runOurs = async (
    label: string,
    extra: string[],
    readPageSize: number,
    o: {expected?: number; timeScale: number},
  ): Promise<RunFigures> => {
    const heap = await startLocalHeap({port: 0, rateLimits: {timeScale: o.timeScale}});
    try {
      const dir = join(tmp, label);
      const spawnedAt = Date.now();
      const out = await runChild<{
        result: {outcome: string; sent: number; failed: number};
        elapsedMs: number;
        peakRssKb: number;
        logCounts: Record<string, number>;
      }>(
        'backfill-child.ts',
        [
          '--time-scale',
          String(o.timeScale),
          '--batch-size',
          String(batchSize),
          '--checkpoint',
          join(dir, 'checkpoint.json'),
          '--failures',
          join(dir, 'failures.jsonl'),
          ...extra,
        ],
        {lake: lake.url, heap: heap.url},
        {BENCH_PAGE_SIZE: String(readPageSize)},
      );
      if (out.result.outcome !== 'done')
        throw new Error(`backfill ${label}: outcome ${out.result.outcome} (${JSON.stringify(out.result)})`);
      const {events, windowMs: window} = RATE_LIMITS.bulkPerIdentity;
      return figures(
        heap,
        o.expected ?? out.result.sent,
        out.elapsedMs,
        events / o.timeScale,
        out.peakRssKb,
        spawnedAt,
        window * o.timeScale,
      );
    } finally {
      await heap.close();
    }
  };
  try {
    for (let r = 0; r < runs; r++) {
      ours.push(await runOurs(`run${r}`, [], pageSize, {expected: lake.published, timeScale}));
      // The pacer alone: every document read in a single page before sending, so only the pacer sets the pace.
      paced.push(
        await runOurs(
          `paced${r}`,
          ['--types', PACING_TYPE, '--limit', String(Math.min(PACING_DOCUMENTS, documents))],
          documents,
          {timeScale: PACING_TIME_SCALE},
        ),
      );
      {
        const heap = await startLocalHeap({port: 0, rateLimits: {timeScale}});
        try {
          const spawnedAt = Date.now();
          const out = await runChild<{
            fetched: number;
            posted: number;
            statuses: Record<string, number>;
            elapsedMs: number;
            peakRssKb: number;
          }>(
            'baseline-backfill-child.ts',
            [],
            {lake: lake.url, heap: heap.url},
            {BENCH_LIMIT: String(baselineDocuments)},
          );
          baseDetail.push(out);
          base.push(figures(heap, out.posted, out.elapsedMs, ceilingPerMinute, out.peakRssKb, spawnedAt, windowMs));
        } finally {
          await heap.close();
        }
      }
      const o = ours.at(-1)!;
      const p = paced.at(-1)!;
      const b = base.at(-1)!;
      log(
        `backfill run ${r + 1}/${runs}: ours ${o.stored.toLocaleString('en-US')} stored in ${(o.elapsedMs / 1000).toFixed(1)} s = ${o.ratio.toFixed(3)} of the ceiling (steady ${o.steadyRatio.toFixed(3)}, first event after ${(o.startupMs / 1000).toFixed(2)} s, busiest window ${o.busiestRatio.toFixed(3)}); pacer alone ${p.stored.toLocaleString('en-US')} stored, steady ${p.steadyRatio.toFixed(3)}, busiest window ${p.busiestRatio.toFixed(3)}, ${p.throttled} × 429; peak RSS ${o.peakRssMiB.toFixed(0)} MiB; baseline ${b.stored}/${baseDetail.at(-1)!.posted} stored = ${b.ratio.toFixed(3)} of the ceiling, peak RSS ${b.peakRssMiB.toFixed(0)} MiB`,
      );
    }
  } finally {
    await stopLakeProcess(lake);
    await rm(tmp, {recursive: true, force: true});
  }

  const name = `5. Backfill: ${lake.published.toLocaleString('en-US')} documents, clock × ${timeScale}`;
  const both = {ours, baseline: base};
  const posted = baseDetail[0]?.posted ?? 0;
  return [
    compareRow(
      name,
      `whole run: events stored per minute as a share of Heap's ceiling (start-up included; ${RATE_LIMITS.bulkPerIdentity.events} bulk events/min per identity = ${ceilingPerMinute.toLocaleString('en-US')}/min on the scaled clock)`,
      both,
      (x) => x.ratio * 100,
      '%',
      {ratio: `ours / baseline = ${ratio(median(ours.map((x) => x.ratio)), median(base.map((x) => x.ratio)))}`},
    ),
    {
      benchmark: name,
      metric: `steady pacing, the pacer alone (${median(paced.map((x) => x.stored)).toLocaleString('en-US')} documents of one type read in one page before sending; clock × ${PACING_TIME_SCALE}): events per minute over whole thousands of events, from one window after the first request, as a share of the ceiling`,
      ours: summarise(
        paced.map((x) => x.steadyRatio * 100),
        '%',
      ),
      baseline: 'no pacing',
    },
    compareRow(
      name,
      'steady rate of the whole run (page reads included): events per minute over whole thousands of events, from one window after the first request, as a share of the ceiling',
      both,
      (x) => x.steadyRatio * 100,
      '%',
    ),
    compareRow(
      name,
      "most events in any one of Heap's windows, as a share of the limit (1000; whole runs and pacer-alone runs)",
      {ours: [...ours, ...paced], baseline: base},
      (x) => x.busiestRatio * 100,
      '%',
    ),
    compareRow(
      name,
      'start-up: real time from starting the process to the first stored event (Node and imports, count query, first page read, first batch; not scaled)',
      both,
      (x) => x.startupMs / 1000,
      's',
    ),
    compareRow(name, 'events stored per minute of wall time', both, (x) => x.perMinute, '/min'),
    {
      benchmark: name,
      metric: 'events stored / lost',
      ours: `${median(ours.map((x) => x.stored)).toLocaleString('en-US')} stored, ${median(ours.map((x) => x.lost))} lost of ${lake.published.toLocaleString('en-US')}`,
      baseline: `${median(base.map((x) => x.stored)).toLocaleString('en-US')} stored, ${median(base.map((x) => x.lost)).toLocaleString('en-US')} lost of ${posted.toLocaleString('en-US')} posted (bounded; ${(baseDetail[0]?.fetched ?? 0).toLocaleString('en-US')} fetched)`,
    },
    compareRow(name, 'duplicates stored', both, (x) => x.duplicates, ''),
    compareRow(name, '429 answers from Heap', {ours: [...ours, ...paced], baseline: base}, (x) => x.throttled, ''),
    compareRow(name, 'wall time of the run', both, (x) => x.elapsedMs / 1000, 's'),
    compareRow(name, 'peak RSS of the backfill process', both, (x) => x.peakRssMiB, 'MiB'),
  ];
}
