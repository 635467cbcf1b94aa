/**
 * Pacing for the backfill: token buckets sized so that the events we send in
 * any window never exceed Heap's documented Bulk Track limits
 * (shared/heap-rules.ts RATE_LIMITS), whether Heap counts in fixed or sliding
 * windows.
 *
 * A bucket that holds at most `capacity` tokens and refills at `rate` lets at
 * most `capacity + rate × T` events through in any interval T. With
 * capacity = one batch B and rate = (limit − B) / (window + slack), any
 * window sees at most `limit` events, with `slack` (5% of the window, at
 * least 100 ms) to spare for the time between our clock and Heap's (latency). Buckets start
 * empty, so a run that starts right after another (a resume) continues its
 * budget instead of adding a fresh burst.
 *
 * Pure apart from the injectable clock.
 */
import {RATE_LIMITS} from '../shared/heap-rules.ts';

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, {once: true});
    }),
};

export interface TokenBucketOptions {
  /** The most tokens it holds (and the largest single take). */
  capacity: number;
  /** Tokens added per millisecond. */
  ratePerMs: number;
  /** Tokens at the start (default 0). */
  initial?: number;
  now: () => number;
}

export class TokenBucket {
  readonly capacity: number;
  readonly ratePerMs: number;
  #tokens: number;
  #at: number;
  #now: () => number;

  constructor(o: TokenBucketOptions) {
    if (!(o.capacity > 0) || !Number.isFinite(o.capacity))
      throw new RangeError(`capacity must be a positive number, got ${o.capacity}`);
    if (!(o.ratePerMs > 0) || !Number.isFinite(o.ratePerMs))
      throw new RangeError(`ratePerMs must be a positive number, got ${o.ratePerMs}`);
    this.capacity = o.capacity;
    this.ratePerMs = o.ratePerMs;
    this.#now = o.now;
    this.#tokens = Math.min(o.capacity, Math.max(0, o.initial ?? 0));
    this.#at = o.now();
  }

  #refill(): void {
    const now = this.#now();
    if (now > this.#at) this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#at) * this.ratePerMs);
    this.#at = Math.max(this.#at, now);
  }

  /** Tokens available now. */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Milliseconds until `n` tokens are available (0 = now). */
  waitMs(n: number): number {
    if (n > this.capacity) throw new RangeError(`cannot take ${n} tokens from a bucket of ${this.capacity}`);
    const missing = n - this.available();
    return missing <= 0 ? 0 : Math.ceil(missing / this.ratePerMs);
  }

  /** Take `n` tokens now; false (nothing taken) if there are not enough. */
  tryTake(n: number): boolean {
    if (this.waitMs(n) > 0) return false;
    this.#tokens -= n;
    return true;
  }

  /** Empty the bucket (after Heap said 429: assume the budget is spent). */
  drain(): void {
    this.#refill();
    this.#tokens = 0;
  }
}

/** Several buckets that must all allow a send (per identity and per app_id). */
export class Pacer {
  readonly buckets: readonly TokenBucket[];
  readonly clock: Clock;

  constructor(buckets: readonly TokenBucket[], clock: Clock) {
    if (buckets.length === 0) throw new RangeError('a pacer needs at least one bucket');
    this.buckets = buckets;
    this.clock = clock;
  }

  /** The largest batch it can ever allow. */
  get maxTake(): number {
    return Math.min(...this.buckets.map((b) => b.capacity));
  }

  /** Sustained events per millisecond (the slowest bucket). */
  get ratePerMs(): number {
    return Math.min(...this.buckets.map((b) => b.ratePerMs));
  }

  /** Milliseconds until `n` events may be sent. */
  waitMs(n: number): number {
    return Math.max(...this.buckets.map((b) => b.waitMs(n)));
  }

  /** Wait until every bucket has `n` tokens, then take them. Rejects when `signal` aborts while waiting. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`take needs a positive integer, got ${n}`);
    if (n > this.maxTake) throw new RangeError(`cannot take ${n} at once: the buckets hold ${this.maxTake}`);
    while (true) {
      if (signal?.aborted) throw signal.reason;
      const wait = this.waitMs(n);
      if (wait <= 0) {
        for (const b of this.buckets) b.tryTake(n);
        return;
      }
      await this.clock.sleep(wait, signal);
    }
  }

  /** Heap answered 429: spend every bucket's budget, so sending resumes only at the paced rate. */
  drain(): void {
    for (const b of this.buckets) b.drain();
  }
}

/** Room left between our clock and Heap's (latency, jitter): this fraction of a window is left unused... */
export const WINDOW_SLACK = 0.05;
/** ...but never less than this (real time: matters only for time-scaled windows in tests). */
export const MIN_SLACK_MS = 100;

export interface HeapPacerOptions {
  /** The largest batch (events per request); it is also each bucket's capacity. */
  batchSize: number;
  /** Multiplies Heap's windows (tests: 0.01 = 100x shorter, as Local Heap's `rateLimits.timeScale`). */
  timeScale?: number;
  clock?: Clock;
}

/**
 * Events per ms a bucket of `capacity` may refill at so that any `windowMs`
 * (plus the slack) sees at most `limit` events: capacity + rate × (window + slack) = limit.
 */
export function safeRatePerMs(limit: number, windowMs: number, capacity: number): number {
  if (capacity >= limit) throw new RangeError(`a batch of ${capacity} leaves no room under a limit of ${limit}`);
  return (limit - capacity) / (windowMs + Math.max(windowMs * WINDOW_SLACK, MIN_SLACK_MS));
}

/** A pacer for one identity under one app_id, at Heap's documented Bulk Track limits. */
export function heapPacer(o: HeapPacerOptions): Pacer {
  const scale = o.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`timeScale must be a positive number, got ${scale}`);
  const clock = o.clock ?? realClock;
  const {bulkPerIdentity, bulkPerApp} = RATE_LIMITS;
  const bucket = (limit: number, windowMs: number): TokenBucket =>
    new TokenBucket({
      capacity: o.batchSize,
      ratePerMs: safeRatePerMs(limit, windowMs * scale, o.batchSize),
      now: () => clock.now(),
    });
  return new Pacer(
    [bucket(bulkPerIdentity.events, bulkPerIdentity.windowMs), bucket(bulkPerApp.events, bulkPerApp.windowMs)],
    clock,
  );
}
