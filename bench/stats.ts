/**
 * Summaries of repeated measurements: median and spread (min–max), the row
 * format every benchmark returns, and what Local Heap stored, counted alike
 * for every benchmark.
 */
import type {LocalHeap} from '../local-heap/server.ts';

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The measurements, one per run, in run order. */
  values: number[];
  unit: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(values: readonly number[], unit: string): Summary {
  return {median: median(values), min: Math.min(...values), max: Math.max(...values), values: [...values], unit};
}

/** One line of the results table: a figure for this project and for the baseline. */
export interface ResultRow {
  benchmark: string;
  metric: string;
  ours: Summary | string;
  baseline: Summary | string;
  /** e.g. `baseline / ours = 1.9×`. */
  ratio?: string;
  note?: string;
}

/** A row of one figure per run, for ours and the baseline: `f` of each run, summarised in `unit`. */
export function compareRow<T>(
  benchmark: string,
  metric: string,
  runs: {ours: readonly T[]; baseline: readonly T[]},
  f: (run: T) => number,
  unit: string,
  extra: Pick<ResultRow, 'ratio' | 'note'> = {},
): ResultRow {
  return {
    benchmark,
    metric,
    ours: summarise(runs.ours.map(f), unit),
    baseline: summarise(runs.baseline.map(f), unit),
    ...extra,
  };
}

export interface StoredTally {
  /** Distinct content ids stored. */
  stored: number;
  /** Expected but never stored. */
  lost: number;
  /** Stored twice (no idempotency key) + re-sends Heap ignored by key. */
  duplicates: number;
  /** Stored events Local Heap had to convert (nulls dropped, arrays joined): values Heap does not document. */
  converted: number;
}

/** What `heap` stored of `expected` distinct content ids. */
export function storedTally(heap: Pick<LocalHeap, 'events' | 'duplicates'>, expected: number): StoredTally {
  const events = heap.events();
  const stored = new Set(events.map((e) => String(e.properties.content_id))).size;
  return {
    stored,
    lost: expected - stored,
    duplicates: events.length - stored + heap.duplicates().length,
    converted: events.filter((e) => e.warnings.length > 0).length,
  };
}

function digits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function formatSummary(s: Summary | string): string {
  if (typeof s === 'string') return s;
  const unit = s.unit ? ` ${s.unit}` : '';
  if (s.values.length === 1 || s.min === s.max)
    return `${digits(s.median)}${unit}${s.values.length > 1 ? ` (all ${s.values.length} runs)` : ''}`;
  return `${digits(s.median)}${unit} (${digits(s.min)}–${digits(s.max)})`;
}

/** `a / b` as `1.93×`. */
export function ratio(a: number, b: number): string {
  if (!(b > 0) || !Number.isFinite(a)) return 'n/a';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = [
    '| Benchmark | Metric | This project: median (min–max) | Baseline: median (min–max) | Ratio |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${cell(r.benchmark)} | ${cell(r.metric)} | ${cell(formatSummary(r.ours))} | ${cell(formatSummary(r.baseline))} | ${cell(r.ratio ?? '')} |`,
    );
  }
  return lines.join('\n');
}
