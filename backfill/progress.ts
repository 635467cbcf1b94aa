/**
 * Progress for the backfill CLI: a bar redrawn in place on a terminal, plain
 * periodic lines otherwise (CI logs, files), and one summary line at the end.
 * The ETA comes from the pacing rate (Heap's limits), not from the rate seen
 * so far, which is skewed by the start and by pauses.
 */

export interface ProgressSnapshot {
  /** Documents read in this run. */
  read: number;
  /** Events Heap accepted in this run (in a dry run: events built). */
  sent: number;
  /** Documents recorded in the failure file in this run. */
  failed: number;
  /** Documents this run is expected to read (undefined until counted). */
  total?: number;
  elapsedMs: number;
  /** Paced events per millisecond (undefined in a dry run: nothing is paced). */
  pacedPerMs?: number;
  dryRun?: boolean;
}

const number = new Intl.NumberFormat('en-US');
export const fmt = (n: number): string => number.format(Math.round(n));

/** `45s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Time to send `remaining` events at the paced rate. */
export function etaMs(remaining: number, pacedPerMs: number): number {
  if (remaining <= 0) return 0;
  return pacedPerMs > 0 ? remaining / pacedPerMs : Number.POSITIVE_INFINITY;
}

/** Events per minute actually sent so far. */
export function observedPerMinute(s: ProgressSnapshot): number {
  return s.elapsedMs > 0 ? (s.sent * 60_000) / s.elapsedMs : 0;
}

function parts(s: ProgressSnapshot): string[] {
  const out = [
    s.total === undefined ? `${fmt(s.read)} documents read` : `${fmt(s.read)}/${fmt(s.total)} documents read`,
    `${fmt(s.sent)} events ${s.dryRun ? 'built' : 'sent'}`,
  ];
  if (s.failed > 0) out.push(`${fmt(s.failed)} failed`);
  if (!s.dryRun) out.push(`${fmt(observedPerMinute(s))}/min`);
  if (s.total !== undefined && s.pacedPerMs !== undefined)
    out.push(`ETA ${formatDuration(etaMs(s.total - s.read, s.pacedPerMs))}`);
  return out;
}

/** One plain line, for logs that are not a terminal. */
export function progressLine(s: ProgressSnapshot): string {
  return `backfill: ${parts(s).join(', ')} (${formatDuration(s.elapsedMs)} elapsed)`;
}

/** A bar of `width` columns, for a terminal. */
export function progressBar(s: ProgressSnapshot, width: number): string {
  const text = parts(s).join(' · ');
  const ratio = s.total ? Math.min(1, s.read / s.total) : 0;
  const percent = s.total === undefined ? '' : ` ${String(Math.floor(ratio * 100)).padStart(3)}%`;
  const barWidth = Math.max(10, Math.min(30, width - text.length - percent.length - 4));
  const filled = Math.round(ratio * barWidth);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${percent} ${text}`;
  return line.length > width - 1 ? `${line.slice(0, Math.max(0, width - 2))}…` : line;
}

/** The final line. */
export function summaryLine(s: ProgressSnapshot, outcome: string): string {
  return `backfill ${outcome}: ${fmt(s.read)} documents read, ${fmt(s.sent)} events ${s.dryRun ? 'built (dry run: nothing sent)' : 'sent'}, ${fmt(s.failed)} failed, in ${formatDuration(s.elapsedMs)}`;
}

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporterOptions {
  stream: ProgressStream;
  /** Redraw a bar in place (a terminal) instead of printing lines. */
  tty: boolean;
  /** Plain mode: at most one line per interval. */
  intervalMs: number;
  now?: () => number;
}

export class ProgressReporter {
  #o: ProgressReporterOptions;
  #now: () => number;
  #last = Number.NEGATIVE_INFINITY;
  #shown = false;
  #snapshot: ProgressSnapshot | undefined;

  constructor(o: ProgressReporterOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Report progress; printed when the interval has passed (a bar: at most 10 times a second) or `force`. */
  update(s: ProgressSnapshot, force = false): void {
    this.#snapshot = s;
    const now = this.#now();
    const every = this.#o.tty ? 100 : this.#o.intervalMs;
    if (!force && now - this.#last < every) return;
    this.#last = now;
    this.#draw();
  }

  #draw(): void {
    if (!this.#snapshot) return;
    if (this.#o.tty) {
      this.#o.stream.write(`\r\x1b[2K${progressBar(this.#snapshot, this.#o.stream.columns ?? 100)}`);
      this.#shown = true;
    } else {
      this.#o.stream.write(`${progressLine(this.#snapshot)}\n`);
    }
  }

  /** Run `write` (e.g. a log line to the same terminal) with the bar out of the way. */
  around(write: () => void): void {
    if (!this.#shown) {
      write();
      return;
    }
    this.#o.stream.write('\r\x1b[2K');
    write();
    this.#draw();
  }

  /** Remove the bar and print the summary line. */
  finish(summary: string): void {
    if (this.#shown) this.#o.stream.write('\r\x1b[2K');
    this.#shown = false;
    this.#o.stream.write(`${summary}\n`);
  }
}
