/**
 * Benchmark 2: a release publishes N documents within one second, against
 * Local Heap's real rate limits (Heap's documented ones, real time).
 *
 * Ours: N invocations of the real handler (in-process, as the platform would
 * start them), each sending its one event in a bulk-shaped body with retries
 * and an idempotency key. Baseline: N webhook calls to the baseline's
 * node:http route, each fetching the document from the Content Lake stand-in
 * and posting one single-shape event (Heap's single Track limit: 30 requests
 * per 30 s per identity). Every run gets a fresh Local Heap (fresh limits).
 */
import type http from 'node:http';
import type {AddressInfo} from 'node:net';
import {createHandler, type LogRecord} from '../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../local-heap/server.ts';
import {startContentLake} from '../tools/content-lake.ts';
import {createWebhookServer} from './baseline/webhook.ts';
import type {BenchConfig} from './config.ts';
import {APP_ID, benchDataset, DATASET, FUNCTION_CONTEXT, functionEventData, PROJECT_ID, revision} from './fixtures.ts';
import {compareRow, median, type ResultRow, type StoredTally, storedTally, summarise} from './stats.ts';

interface BurstOutcome extends StoredTally {
  /** From the first publish to the last stored event (ms). */
  lastLandsMs: number;
  requests: number;
  /** Heap answers other than 2xx, by status. */
  refused: Record<string, number>;
  /** Ours: invocations that logged `failed`. */
  reportedFailed?: number;
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Start `n` calls spread evenly over `windowMs`; resolves when all have finished. */
async function spread(n: number, windowMs: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const started = Date.now();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    await wait(t0 + (i * windowMs) / n - performance.now());
    all.push(call(i).catch(() => undefined));
  }
  await Promise.all(all);
  return started;
}

function outcome(heap: LocalHeap, n: number, started: number, reportedFailed?: number): BurstOutcome {
  const last = heap.events().reduce((m, e) => Math.max(m, Date.parse(e.received_at)), started);
  const refused: Record<string, number> = {};
  for (const r of heap.rejections()) refused[r.status] = (refused[r.status] ?? 0) + 1;
  const result: BurstOutcome = {
    ...storedTally(heap, n),
    lastLandsMs: last - started,
    requests: heap.stats().requests,
    refused,
  };
  if (reportedFailed !== undefined) result.reportedFailed = reportedFailed;
  return result;
}

export async function burstBenchmark(cfg: BenchConfig, log: (line: string) => void): Promise<ResultRow[]> {
  const {publishes: n, windowMs} = cfg.burst;
  const data = benchDataset(n, cfg.seed + 1, {publishedOnly: true});
  const ids = data.published.slice(0, n).map((d) => d._id);
  const projected = await functionEventData(data.all, ids);
  const lake = await startContentLake({documents: data.all});

  const ours: BurstOutcome[] = [];
  const base: BurstOutcome[] = [];
  try {
    for (let run = 0; run < cfg.runs; run++) {
      {
        const heap = await startLocalHeap({port: 0});
        try {
          const lines: string[] = [];
          const handler = createHandler({
            env: {HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url},
            write: (l) => lines.push(l),
          });
          const started = await spread(n, windowMs, async (i) => {
            await handler({context: FUNCTION_CONTEXT, event: {data: revision(projected[i]!, `burst${run}`)}});
          });
          const failed = lines.map((l) => JSON.parse(l) as LogRecord).filter((r) => r.outcome === 'failed').length;
          ours.push(outcome(heap, n, started, failed));
        } finally {
          await heap.close();
        }
      }
      {
        const heap = await startLocalHeap({port: 0});
        const server: http.Server = createWebhookServer({
          projectId: PROJECT_ID,
          dataset: DATASET,
          apiHost: lake.url,
          heapAppId: APP_ID,
          heapUrl: heap.url,
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const route = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        const quiet = console.error;
        console.error = () => {}; // the route logs one line per refused event
        try {
          const started = await spread(n, windowMs, (i) =>
            fetch(route, {
              method: 'POST',
              headers: {'content-type': 'application/json', 'sanity-operation': 'create'},
              body: JSON.stringify({_id: ids[i]}),
            }).then((r) => r.text()),
          );
          base.push(outcome(heap, n, started));
        } finally {
          console.error = quiet;
          await new Promise<void>((r) => server.close(() => r()));
          server.closeAllConnections();
          await heap.close();
        }
      }
      const o = ours.at(-1)!;
      const b = base.at(-1)!;
      log(
        `burst run ${run + 1}/${cfg.runs}: ours stored ${o.stored}/${n} (last at ${o.lastLandsMs} ms), baseline stored ${b.stored}/${n} (refused ${JSON.stringify(b.refused)})`,
      );
    }
  } finally {
    await lake.close();
  }

  const name = `2. Release burst: ${n} publishes in ${windowMs / 1000} s, real rate limits`;
  const both = {ours, baseline: base};
  const refusedText = (list: BurstOutcome[]): string => {
    const statuses = [...new Set(list.flatMap((o) => Object.keys(o.refused)))].sort();
    if (statuses.length === 0) return 'none';
    return statuses.map((s) => `${median(list.map((o) => o.refused[s] ?? 0))} × ${s}`).join(', ');
  };
  return [
    compareRow(name, 'events stored', both, (o) => o.stored, `of ${n}`),
    compareRow(name, 'events lost (never stored)', both, (o) => o.lost, '', {note: 'ours: lost = reported failed'}),
    compareRow(name, 'duplicates stored', both, (o) => o.duplicates, ''),
    compareRow(name, 'time from the first publish until the last stored event lands', both, (o) => o.lastLandsMs, 'ms'),
    compareRow(name, 'stored events Heap had to convert (nulls, arrays)', both, (o) => o.converted, ''),
    compareRow(name, 'requests to Heap', both, (o) => o.requests, ''),
    {benchmark: name, metric: 'Heap refusals (median per run)', ours: refusedText(ours), baseline: refusedText(base)},
    {
      benchmark: name,
      metric: 'invocations that logged `failed`',
      ours: summarise(
        ours.map((o) => o.reportedFailed ?? 0),
        '',
      ),
      baseline: 'none logged (the route answers 200)',
    },
  ];
}
