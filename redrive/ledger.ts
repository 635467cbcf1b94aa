/**
 * What the function did, accumulated one log entry at a time: outcomes by
 * hour, failure reasons, attempts and elapsed time, the keys Heap accepted,
 * and the latest failure of every key. Memory grows with the number of
 * distinct idempotency keys and failures, not with the size of the input.
 *
 * An event counts as delivered when any invocation in the input delivered its
 * idempotency key, before or after a failure with the same key: the key names
 * one change, and Heap stores it once.
 */
import type {Outcome} from '../functions/heap-content-sync/index.ts';
import type {HeapEvent} from '../shared/content-event.ts';
import {isoTimestamp} from '../shared/timestamp.ts';
import {type Invocation, parseMessage} from './function-lines.ts';
import type {InputItem} from './log-input.ts';

export const OUTCOMES: readonly Outcome[] = ['delivered', 'skipped', 'failed', 'dry_run'];
/** The hour of entries without a readable time. */
export const UNKNOWN_HOUR = 'unknown';

export interface Failure {
  key: string;
  /** Epoch ms of the latest failed invocation, when the entry had a time. */
  time?: number;
  event: string | null;
  contentId: string | null;
  status: number | null;
  reason: string | null;
  /** How many invocations failed with this key. */
  failures: number;
  heapEvent?: HeapEvent;
  eventMissing?: string;
}

/** Exact nearest-rank percentiles from value counts (attempts and milliseconds repeat a lot). */
export class Counts {
  #counts = new Map<number, number>();
  total = 0;
  add(value: number): void {
    this.#counts.set(value, (this.#counts.get(value) ?? 0) + 1);
    this.total += 1;
  }
  /** The smallest value with at least p% of the values at or below it; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.min(this.total, Math.max(1, Math.ceil((p / 100) * this.total)));
    let seen = 0;
    for (const value of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(value)!;
      if (seen >= rank) return value;
    }
    return undefined;
  }
}

/** Reasons that differ only in timings or counts are one reason. */
export function reasonGroup(reason: string): string {
  return reason
    .replace(/\b\d+(\.\d+)? ?ms\b/g, 'N ms')
    .replace(/\b\d+ attempts?\b/g, 'N attempts')
    .replace(/\bRetry-After \d+\b/g, 'Retry-After N');
}

/** An entry's time: ISO 8601 (with a zone) or epoch milliseconds. */
export function entryTime(time: string | number | undefined): number | undefined {
  if (typeof time === 'number') return Number.isFinite(time) ? time : undefined;
  const iso = isoTimestamp(time);
  return iso === undefined ? undefined : Date.parse(iso);
}

export function hourOf(time: number | undefined): string {
  return time === undefined ? UNKNOWN_HOUR : `${new Date(time).toISOString().slice(0, 13)}:00Z`;
}

export interface LedgerOptions {
  /** Epoch ms: invocations before it are left out (deliveries before it still count as delivered). */
  since?: number;
}

export class Ledger {
  readonly since?: number;
  entries = 0;
  /** Entries of other functions, and lines of this one that are not its log line (runtime messages, errors). */
  otherLines = 0;
  /** Function lines before --since. */
  beforeSince = 0;
  /** Function lines with no readable time (counted in, under the hour "unknown"). */
  untimed = 0;
  readonly unparsable = new Map<string, number>();
  readonly cliErrors: string[] = [];
  readonly byHour = new Map<string, Record<Outcome, number>>();
  readonly totals: Record<Outcome, number> = {delivered: 0, skipped: 0, failed: 0, dry_run: 0};
  readonly reasons = new Map<string, {count: number; outcome: Outcome}>();
  readonly attempts = new Counts();
  readonly elapsedMs = new Counts();
  /** Failed invocations that never built an event (e.g. HEAP_APP_ID unset): nothing to re-send, no key to follow. */
  unkeyedFailures = 0;
  readonly #delivered = new Set<string>();
  readonly #failures = new Map<string, Failure>();

  constructor(o: LedgerOptions = {}) {
    if (o.since !== undefined) this.since = o.since;
  }

  get unparsableTotal(): number {
    let n = 0;
    for (const c of this.unparsable.values()) n += c;
    return n;
  }

  #bad(why: string): void {
    this.unparsable.set(why, (this.unparsable.get(why) ?? 0) + 1);
  }

  add(item: InputItem): void {
    if (item.kind === 'bad') {
      this.#bad(item.why);
      return;
    }
    if (item.kind === 'cli_error') {
      this.cliErrors.push(item.message);
      return;
    }
    this.entries += 1;
    const parsed = parseMessage(item.entry.message);
    if (parsed.kind === 'other') {
      this.otherLines += 1;
      return;
    }
    if (parsed.kind === 'bad') {
      this.#bad(parsed.why);
      return;
    }
    this.#record(parsed.invocation, entryTime(item.entry.time));
  }

  #record(inv: Invocation, time: number | undefined): void {
    if (inv.outcome === 'delivered' && inv.idempotencyKey !== undefined) this.#delivered.add(inv.idempotencyKey);
    if (this.since !== undefined && time !== undefined && time < this.since) {
      this.beforeSince += 1;
      return;
    }
    if (time === undefined) this.untimed += 1;
    const hour = hourOf(time);
    let row = this.byHour.get(hour);
    if (!row) {
      row = {delivered: 0, skipped: 0, failed: 0, dry_run: 0};
      this.byHour.set(hour, row);
    }
    row[inv.outcome] += 1;
    this.totals[inv.outcome] += 1;
    if (inv.attempts > 0) this.attempts.add(inv.attempts);
    if (inv.elapsedMs !== null) this.elapsedMs.add(inv.elapsedMs);
    if ((inv.outcome === 'failed' || inv.outcome === 'skipped') && inv.reason !== null) {
      const group = `${inv.outcome}: ${reasonGroup(inv.reason)}`;
      const r = this.reasons.get(group);
      if (r) r.count += 1;
      else this.reasons.set(group, {count: 1, outcome: inv.outcome});
    }
    if (inv.outcome !== 'failed') return;
    if (inv.idempotencyKey === undefined) {
      this.unkeyedFailures += 1;
      return;
    }
    const previous = this.#failures.get(inv.idempotencyKey);
    if (previous && previous.time !== undefined && time !== undefined && previous.time > time) {
      previous.failures += 1;
      return;
    }
    const failure: Failure = {
      key: inv.idempotencyKey,
      event: inv.event,
      contentId: inv.contentId,
      status: inv.status,
      reason: inv.reason,
      failures: (previous?.failures ?? 0) + 1,
    };
    if (time !== undefined) failure.time = time;
    // A later line without the event keeps an earlier line's copy of the same event.
    const heapEvent = inv.heapEvent ?? previous?.heapEvent;
    if (heapEvent) failure.heapEvent = heapEvent;
    else if (inv.eventMissing !== undefined) failure.eventMissing = inv.eventMissing;
    this.#failures.set(inv.idempotencyKey, failure);
  }

  /** Keys some invocation delivered. */
  isDelivered(key: string): boolean {
    return this.#delivered.has(key);
  }

  /** Failed keys that a delivery covers. */
  recovered(): Failure[] {
    return [...this.#failures.values()].filter((f) => this.#delivered.has(f.key));
  }

  /** Failed and not delivered by any invocation in the input, oldest first. */
  atRisk(): Failure[] {
    return [...this.#failures.values()]
      .filter((f) => !this.#delivered.has(f.key))
      .sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  }
}

/** Read every item of `items` into a new ledger. */
export async function readLedger(items: AsyncIterable<InputItem>, o: LedgerOptions = {}): Promise<Ledger> {
  const ledger = new Ledger(o);
  for await (const item of items) ledger.add(item);
  return ledger;
}
