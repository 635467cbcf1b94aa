/**
 * Benchmark sizes: defaults sized so `npm run bench` finishes in a few minutes
 * on a 2-core machine; every size can be changed on the command line
 * (`npm run bench -- --runs 3 --backfill-docs 20000`), `--quick` shrinks them
 * all for a smoke run, `--only latency,cpu` picks benchmarks.
 */
import {parseArgs} from 'node:util';

export const BENCHMARKS = ['latency', 'burst', 'cold-start', 'cpu', 'backfill'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface BenchConfig {
  /** Repetitions of each measurement (median and spread are over these). */
  runs: number;
  seed: number;
  only: BenchmarkName[];
  latency: {events: number; warmup: number; roundTripMs: number};
  burst: {publishes: number; windowMs: number};
  coldStart: {processes: number};
  cpu: {events: number; distinctDocuments: number};
  backfill: {
    documents: number;
    runs: number;
    /** Multiplies Heap's rate-limit windows (Local Heap) and the backfill's pacing alike. */
    timeScale: number;
    /** Documents per Content Lake query (the stand-in's cost is per query, not per document). */
    pageSize: number;
    batchSize: number;
    /** The naive loop posts at most this many of the documents (it is bounded in time; the loss rate is the point). */
    baselineDocuments: number;
  };
}

export const DEFAULTS: BenchConfig = {
  runs: 5,
  seed: 20_250_101,
  only: [...BENCHMARKS],
  latency: {events: 40, warmup: 5, roundTripMs: 20},
  burst: {publishes: 200, windowMs: 1000},
  coldStart: {processes: 10},
  cpu: {events: 100_000, distinctDocuments: 2000},
  backfill: {documents: 100_000, runs: 3, timeScale: 0.01, pageSize: 10_000, batchSize: 100, baselineDocuments: 5000},
};

const QUICK: Partial<Record<string, string>> = {
  runs: '2',
  'latency-events': '10',
  'burst-publishes': '60',
  'cold-start-processes': '3',
  'cpu-events': '20000',
  'backfill-docs': '5000',
  'backfill-runs': '1',
  'backfill-page-size': '2500',
  'baseline-backfill-docs': '1000',
};

export const USAGE = `Usage: npm run bench -- [options]

  --runs N                    repetitions per figure (default ${DEFAULTS.runs})
  --only a,b                  benchmarks to run: ${BENCHMARKS.join(', ')}
  --seed N                    dataset seed (default ${DEFAULTS.seed})
  --latency-events N          events per latency run (default ${DEFAULTS.latency.events})
  --round-trip-ms N           added to every remote call in the latency benchmark (default ${DEFAULTS.latency.roundTripMs})
  --burst-publishes N         publishes in the release burst (default ${DEFAULTS.burst.publishes})
  --cold-start-processes N    fresh processes per cold-start run (default ${DEFAULTS.coldStart.processes})
  --cpu-events N              events per CPU run (default ${DEFAULTS.cpu.events})
  --backfill-docs N           documents in the backfill dataset (default ${DEFAULTS.backfill.documents})
  --backfill-runs N           backfill repetitions (default ${DEFAULTS.backfill.runs})
  --backfill-time-scale X     scaled clock for the backfill (default ${DEFAULTS.backfill.timeScale})
  --backfill-page-size N      documents per Content Lake query (default ${DEFAULTS.backfill.pageSize})
  --baseline-backfill-docs N  documents the naive loop posts (default ${DEFAULTS.backfill.baselineDocuments})
  --quick                     small sizes for a smoke run
  --help`;

function int(flag: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${flag}: expected a whole number ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function num(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new Error(`--${flag}: expected a number in (0, 1], got ${JSON.stringify(raw)}`);
  return n;
}

export function parseConfig(argv: readonly string[]): BenchConfig | 'help' {
  const options = {
    runs: {type: 'string'},
    only: {type: 'string'},
    seed: {type: 'string'},
    'latency-events': {type: 'string'},
    'round-trip-ms': {type: 'string'},
    'burst-publishes': {type: 'string'},
    'cold-start-processes': {type: 'string'},
    'cpu-events': {type: 'string'},
    'backfill-docs': {type: 'string'},
    'backfill-runs': {type: 'string'},
    'backfill-time-scale': {type: 'string'},
    'backfill-page-size': {type: 'string'},
    'baseline-backfill-docs': {type: 'string'},
    quick: {type: 'boolean'},
    help: {type: 'boolean', short: 'h'},
  } as const;
  const {values} = parseArgs({args: [...argv], options, strict: true, allowPositionals: false});
  if (values.help) return 'help';
  const v: Record<string, string | undefined> = {...(values.quick ? QUICK : {})};
  for (const [key, value] of Object.entries(values)) if (typeof value === 'string') v[key] = value;

  let only = [...BENCHMARKS] as BenchmarkName[];
  if (v.only !== undefined) {
    const names = v.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const n of names)
      if (!(BENCHMARKS as readonly string[]).includes(n))
        throw new Error(`--only: unknown benchmark ${JSON.stringify(n)} (use ${BENCHMARKS.join(', ')})`);
    only = names as BenchmarkName[];
  }
  const d = DEFAULTS;
  return {
    runs: int('runs', v.runs, d.runs),
    seed: int('seed', v.seed, d.seed, 0),
    only,
    latency: {
      events: int('latency-events', v['latency-events'], d.latency.events),
      warmup: d.latency.warmup,
      roundTripMs: int('round-trip-ms', v['round-trip-ms'], d.latency.roundTripMs, 0),
    },
    burst: {publishes: int('burst-publishes', v['burst-publishes'], d.burst.publishes), windowMs: d.burst.windowMs},
    coldStart: {processes: int('cold-start-processes', v['cold-start-processes'], d.coldStart.processes)},
    cpu: {events: int('cpu-events', v['cpu-events'], d.cpu.events), distinctDocuments: d.cpu.distinctDocuments},
    backfill: {
      documents: int('backfill-docs', v['backfill-docs'], d.backfill.documents),
      runs: int('backfill-runs', v['backfill-runs'], d.backfill.runs),
      timeScale: num('backfill-time-scale', v['backfill-time-scale'], d.backfill.timeScale),
      pageSize: int('backfill-page-size', v['backfill-page-size'], d.backfill.pageSize),
      batchSize: d.backfill.batchSize,
      baselineDocuments: int('baseline-backfill-docs', v['baseline-backfill-docs'], d.backfill.baselineDocuments),
    },
  };
}
