/**
 * Pacing for the backfill: the events we send in any window never exceed
 * Heap's documented Bulk Track limits (shared/heap-rules.ts RATE_LIMITS),
 * whether Heap counts in fixed or sliding windows, and the steady rate stays
 * close to them.
 *
 * Two parts per limit L over a window W, both on the window widened by 1%
 * (W' = 1.01 W, room for Heap's clock):
 *
 * - a SlidingWindow, the guarantee: a log of the batches sent, each counted
 *   from the moment its answer came back (Pacer.settle, called by the sender);
 *   a batch goes only when it fits beside those of the last W', so no window
 *   of Heap's ever holds more than L, whatever the batch sizes and latency;
 * - a TokenBucket, the smoothing: refilled at L / W', so batches go out evenly
 *   (room for the live function all along) instead of L at once at the start
 *   of every window. It holds two batches, so a batch that went late (a timer
 *   firing late, a slow page read) is made up by the next instead of lost.
 *
 * Batches of B spaced B / rate apart, each answered after d ms, fit the window
 * at L / (W' + d): 99% of the ceiling less the request time (on the
 * benchmark's 100x shorter windows, a few ms of loopback weigh more).
 *
 * Buckets start empty when the run starts (they fill during its count query
 * and first page read). A run cannot see the sends of another run that ended
 * just before it: its first window may then draw a 429, which pauses it.
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

/** `value` when it is a finite number above 0; a RangeError naming `name` otherwise. */
function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

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
    this.capacity = positive('capacity', o.capacity);
    this.ratePerMs = positive('ratePerMs', o.ratePerMs);
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

/**
 * An exact limit: at most `limit` in any `windowMs`, from a log of the takes
 * still inside the window (at most `limit` entries). A take is logged when its
 * request goes out and, once `settle()` reports the answer, moved to the time
 * of the answer: Heap counted the request somewhere in between, so an entry
 * that leaves the window `windowMs` after the answer has left Heap's window
 * too, however long the request took (no guess at latency). A take never
 * settled (no request made) leaves after two windows.
 */
export class SlidingWindow {
  readonly limit: number;
  readonly windowMs: number;
  #log: {at: number; n: number; open: boolean}[] = [];
  #sum = 0;
  #now: () => number;

  constructor(o: {limit: number; windowMs: number; now: () => number}) {
    this.limit = positive('limit', o.limit);
    this.windowMs = positive('windowMs', o.windowMs);
    this.#now = o.now;
  }

  #leavesAt(e: {at: number; open: boolean}): number {
    return e.at + (e.open ? 2 : 1) * this.windowMs;
  }

  #prune(now: number): void {
    while (this.#log.length > 0 && this.#leavesAt(this.#log[0]!) <= now) this.#sum -= this.#log.shift()!.n;
  }

  /** Taken within the window ending now (open takes included). */
  used(): number {
    this.#prune(this.#now());
    return this.#sum;
  }

  /** Milliseconds until `n` more fit in the window (0 = now). */
  waitMs(n: number): number {
    if (n > this.limit) throw new RangeError(`cannot take ${n} under a limit of ${this.limit}`);
    const now = this.#now();
    this.#prune(now);
    let excess = this.#sum + n - this.limit;
    if (excess <= 0) return 0;
    for (const e of this.#log) {
      excess -= e.n;
      if (excess <= 0) return Math.max(1, Math.ceil(this.#leavesAt(e) - now));
    }
    return this.windowMs;
  }

  /** Record `n` taken now (an open take, until settled); false (nothing recorded) if they do not fit. */
  tryTake(n: number): boolean {
    if (this.waitMs(n) > 0) return false;
    this.#log.push({at: this.#now(), n, open: true});
    this.#sum += n;
    return true;
  }

  /** The oldest open take got its answer now: it counts from now on. */
  settle(): void {
    const e = this.#log.find((x) => x.open);
    if (!e) return;
    e.at = this.#now();
    e.open = false;
  }
}

/** Limits that must all allow a send: token buckets (smoothing) and sliding windows (the guarantee). */
export class Pacer {
  readonly buckets: readonly TokenBucket[];
  readonly windows: readonly SlidingWindow[];
  readonly clock: Clock;

  constructor(buckets: readonly TokenBucket[], clock: Clock, windows: readonly SlidingWindow[] = []) {
    if (buckets.length === 0) throw new RangeError('a pacer needs at least one bucket');
    this.buckets = buckets;
    this.windows = windows;
    this.clock = clock;
  }

  /** The largest batch it can ever allow. */
  get maxTake(): number {
    return Math.min(...this.buckets.map((b) => b.capacity), ...this.windows.map((w) => w.limit));
  }

  /** Sustained events per millisecond (the slowest bucket or window). */
  get ratePerMs(): number {
    return Math.min(...this.buckets.map((b) => b.ratePerMs), ...this.windows.map((w) => w.limit / w.windowMs));
  }

  /** Milliseconds until `n` events may be sent. */
  waitMs(n: number): number {
    return Math.max(...this.buckets.map((b) => b.waitMs(n)), ...this.windows.map((w) => w.waitMs(n)));
  }

  /** Wait until every bucket and window allows `n`, then take them. Rejects when `signal` aborts while waiting. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`take needs a positive integer, got ${n}`);
    if (n > this.maxTake) throw new RangeError(`cannot take ${n} at once: the buckets hold ${this.maxTake}`);
    while (true) {
      if (signal?.aborted) throw signal.reason;
      const wait = this.waitMs(n);
      if (wait <= 0) {
        for (const b of this.buckets) b.tryTake(n);
        for (const w of this.windows) w.tryTake(n);
        return;
      }
      await this.clock.sleep(wait, signal);
    }
  }

  /** The request of the oldest open take was answered (any answer, or a network error): see SlidingWindow. */
  settle(): void {
    for (const w of this.windows) w.settle();
  }

  /** Heap answered 429: spend every bucket's budget, so sending resumes only at the paced rate. */
  drain(): void {
    for (const b of this.buckets) b.drain();
  }
}

/**
 * Added to each window: room for Heap's clock running at another rate than
 * ours. Latency needs none: a take counts from its answer (SlidingWindow).
 */
export const WINDOW_SLACK = 0.01;

export interface HeapPacerOptions {
  /** The largest batch (events per request); each bucket holds two. */
  batchSize: number;
  /** Multiplies Heap's windows (tests: 0.01 = 100x shorter, as Local Heap's `rateLimits.timeScale`). */
  timeScale?: number;
  clock?: Clock;
}

/** Heap's window widened by the slack: what the pacer keeps each limit over. */
export function pacedWindowMs(windowMs: number): number {
  return windowMs * (1 + WINDOW_SLACK);
}

/** The steady rate (events per ms) for `limit` per `windowMs`: limit / (window + slack). */
export function pacedRatePerMs(limit: number, windowMs: number): number {
  return limit / pacedWindowMs(windowMs);
}

/** A pacer for one identity under one app_id, at Heap's documented Bulk Track limits. */
export function heapPacer(o: HeapPacerOptions): Pacer {
  const scale = positive('timeScale', o.timeScale ?? 1);
  const clock = o.clock ?? realClock;
  const now = () => clock.now();
  const {bulkPerIdentity, bulkPerApp} = RATE_LIMITS;
  const buckets: TokenBucket[] = [];
  const windows: SlidingWindow[] = [];
  for (const {events: limit, windowMs} of [bulkPerIdentity, bulkPerApp]) {
    if (o.batchSize > limit) throw new RangeError(`a batch of ${o.batchSize} can never fit under a limit of ${limit}`);
    const paced = pacedWindowMs(windowMs * scale);
    buckets.push(new TokenBucket({capacity: Math.min(limit, 2 * o.batchSize), ratePerMs: limit / paced, now}));
    windows.push(new SlidingWindow({limit, windowMs: paced, now}));
  }
  return new Pacer(buckets, clock, windows);
}
