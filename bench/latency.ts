/**
 * Benchmark 1: per-event latency with an added round trip on every remote call.
 *
 * Ours: the real handler, called in-process with the projected document (what
 * the blueprint's projection delivers): zero Content Lake reads, one request to
 * Heap. Baseline: the route's work per webhook: `client.fetch` of the document
 * with its references from the Content Lake stand-in, then one POST to Heap.
 * Both talk to the same Local Heap (rate limits off: this measures time, not
 * the limits), which delays every /api/track answer by the round trip; the
 * Content Lake stand-in delays every answer by the same amount.
 */
import {createHandler} from '../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../local-heap/server.ts';
import {TRACK_PATH} from '../shared/heap-rules.ts';
import {startContentLake} from '../tools/content-lake.ts';
import {createPublishTracker} from './baseline/webhook.ts';
import type {BenchConfig} from './config.ts';
import {
  APP_ID,
  benchDataset,
  DATASET,
  FUNCTION_CONTEXT,
  functionEventData,
  noop,
  PROJECT_ID,
  revision,
} from './fixtures.ts';
import {median, percentile, type ResultRow, ratio, summarise} from './stats.ts';

function delayHeap(heap: LocalHeap, ms: number): void {
  heap.reset();
  if (ms > 0) heap.injectFault({delayMs: ms, count: 1_000_000, path: TRACK_PATH});
}

export async function latencyBenchmark(cfg: BenchConfig, log: (line: string) => void): Promise<ResultRow[]> {
  const {events, warmup, roundTripMs} = cfg.latency;
  const needed = events + warmup;
  const data = benchDataset(needed, cfg.seed, {shortTitles: true, publishedOnly: true});
  const ids = data.published.slice(0, needed).map((d) => d._id);
  const projected = await functionEventData(data.all, ids);

  const heap = await startLocalHeap({port: 0, rateLimits: false});
  const lake = await startContentLake({documents: data.all, latencyMs: roundTripMs});
  try {
    const ours = createHandler({env: {HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url}, write: noop});
    const baseline = createPublishTracker({
      projectId: PROJECT_ID,
      dataset: DATASET,
      apiHost: lake.url,
      heapAppId: APP_ID,
      heapUrl: heap.url,
    });

    const runOurs = async (run: string, docs: Record<string, unknown>[]): Promise<number[]> => {
      const times: number[] = [];
      for (const [i, doc] of docs.entries()) {
        const t = performance.now();
        await ours({context: FUNCTION_CONTEXT, event: {data: revision(doc, `${run}-${i}`)}});
        times.push(performance.now() - t);
      }
      return times;
    };
    const runBaseline = async (docIds: string[]): Promise<number[]> => {
      const times: number[] = [];
      for (const id of docIds) {
        const t = performance.now();
        const r = await baseline(id, 'create');
        times.push(performance.now() - t);
        if (!r.tracked || r.status !== 200)
          throw new Error(`baseline latency: unexpected outcome ${JSON.stringify(r)}`);
      }
      return times;
    };

    // Warm-up (JIT, connection pools), not counted.
    delayHeap(heap, roundTripMs);
    await runOurs('warmup', projected.slice(0, warmup));
    await runBaseline(ids.slice(0, warmup));

    const oursMedians: number[] = [];
    const baseMedians: number[] = [];
    const oursP95: number[] = [];
    const baseP95: number[] = [];
    for (let run = 0; run < cfg.runs; run++) {
      const docs = projected.slice(warmup);
      const docIds = ids.slice(warmup);
      // Alternate who goes first, so drift affects both alike.
      const order = run % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const);
      for (const who of order) {
        delayHeap(heap, roundTripMs);
        if (who === 'ours') {
          const t = await runOurs(`run${run}`, docs);
          const stored = heap.events().length;
          if (stored !== docs.length) throw new Error(`latency: ours stored ${stored} of ${docs.length}`);
          oursMedians.push(median(t));
          oursP95.push(percentile(t, 95));
        } else {
          const t = await runBaseline(docIds);
          const stored = heap.events().length;
          if (stored !== docIds.length) throw new Error(`latency: baseline stored ${stored} of ${docIds.length}`);
          baseMedians.push(median(t));
          baseP95.push(percentile(t, 95));
        }
      }
      log(
        `latency run ${run + 1}/${cfg.runs}: ours ${oursMedians.at(-1)!.toFixed(1)} ms, baseline ${baseMedians.at(-1)!.toFixed(1)} ms (median of ${docs.length})`,
      );
    }
    const ratios = baseMedians.map((b, i) => b / oursMedians[i]!);
    const name = `1. Per-event latency, +${roundTripMs} ms per remote call`;
    return [
      {
        benchmark: name,
        metric: `median latency per event (${events} sequential events per run)`,
        ours: summarise(oursMedians, 'ms'),
        baseline: summarise(baseMedians, 'ms'),
        ratio: `baseline / ours = ${ratio(median(baseMedians), median(oursMedians))} (per run ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      },
      {
        benchmark: name,
        metric: 'p95 latency per event',
        ours: summarise(oursP95, 'ms'),
        baseline: summarise(baseP95, 'ms'),
        ratio: `baseline / ours = ${ratio(median(baseP95), median(oursP95))}`,
      },
      {benchmark: name, metric: 'remote calls per event', ours: '1 (Heap)', baseline: '2 (Content Lake + Heap)'},
    ];
  } finally {
    await heap.close();
    await lake.close();
  }
}
