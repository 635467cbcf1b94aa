/**
 * Benchmark 4: CPU per event for turning a document into the request body:
 * mapping, normalising and serialising, no I/O.
 *
 * Ours: buildContentEvent (tracking plan, normaliser, idempotency key) and
 * JSON.stringify of the bulk body. Baseline: its mapDocument and
 * JSON.stringify of its single-event body. Each side gets the documents as it
 * would receive them (ours: the blueprint's projection; the baseline: its own
 * query's result), computed once with groq-js outside the measurement.
 * CPU time is process.cpuUsage() (user + system) over the loop.
 */
import {buildContentEvent} from '../shared/content-event.ts';
import {DEFAULT_IDENTITY} from '../shared/tracking-plan.ts';
import {type FetchedDocument, mapDocument} from './baseline/webhook.ts';
import type {BenchConfig} from './config.ts';
import {APP_ID, baselineDocuments, benchDataset, functionEventData, RESOURCE_ID} from './fixtures.ts';
import {median, type ResultRow, ratio, summarise} from './stats.ts';

function cpuMicros(loop: () => number): {cpuUs: number; sink: number} {
  const before = process.cpuUsage();
  const sink = loop();
  const used = process.cpuUsage(before);
  return {cpuUs: used.user + used.system, sink};
}

export function oursLoop(docs: readonly Record<string, unknown>[], n: number, now: Date): () => number {
  return () => {
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const built = buildContentEvent({
        operation: 'create',
        doc: docs[i % docs.length],
        resourceId: RESOURCE_ID,
        identity: DEFAULT_IDENTITY,
        now,
      });
      if (!built.ok) throw new Error(`cpu: ours could not build an event: ${built.reason}`);
      bytes += JSON.stringify({app_id: APP_ID, events: [built.event]}).length;
    }
    return bytes;
  };
}

export function baselineLoop(docs: readonly FetchedDocument[], n: number): () => number {
  return () => {
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += JSON.stringify(mapDocument(docs[i % docs.length]!, 'create', APP_ID)).length;
    return bytes;
  };
}

export async function cpuBenchmark(cfg: BenchConfig, log: (line: string) => void): Promise<ResultRow[]> {
  const {events, distinctDocuments} = cfg.cpu;
  const data = benchDataset(distinctDocuments, cfg.seed + 2, {publishedOnly: true});
  const ids = data.published.map((d) => d._id);
  const ours = await functionEventData(data.all, ids);
  const base = await baselineDocuments(data.all, ids);
  const now = new Date('2025-06-01T00:00:00Z');

  // Warm-up: let the JIT settle on both paths.
  oursLoop(ours, Math.min(events, 20_000), now)();
  baselineLoop(base, Math.min(events, 20_000))();

  const oursUs: number[] = [];
  const baseUs: number[] = [];
  const bytes = {ours: 0, base: 0};
  for (let r = 0; r < cfg.runs; r++) {
    const a = cpuMicros(oursLoop(ours, events, now));
    const b = cpuMicros(baselineLoop(base, events));
    oursUs.push(a.cpuUs / events);
    baseUs.push(b.cpuUs / events);
    bytes.ours = a.sink / events;
    bytes.base = b.sink / events;
    log(
      `cpu run ${r + 1}/${cfg.runs}: ours ${oursUs.at(-1)!.toFixed(2)} µs/event, baseline ${baseUs.at(-1)!.toFixed(2)} µs/event`,
    );
  }
  const name = `4. CPU per event (${events.toLocaleString('en-US')} events, ${ids.length.toLocaleString('en-US')} distinct documents)`;
  return [
    {
      benchmark: name,
      metric: 'CPU time per event: mapping + normalising + serialising',
      ours: summarise(oursUs, 'µs'),
      baseline: summarise(baseUs, 'µs'),
      ratio: `ours / baseline = ${ratio(median(oursUs), median(baseUs))}`,
    },
    {
      benchmark: name,
      metric: 'request body per event',
      ours: `${Math.round(bytes.ours)} B`,
      baseline: `${Math.round(bytes.base)} B`,
    },
  ];
}
