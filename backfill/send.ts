/**
 * Sending backfill batches: paced (every attempt, retries included, waits for
 * its tokens), through the same delivery module as the function, with
 * Heap's 429 and 5xx handled by pausing everything (one batch is in flight at
 * a time, so a retry's wait pauses all sending; a 429 also empties the
 * buckets), and a batch Heap rejects split in halves until the events it
 * rejects are found one by one.
 */
import type {HeapEvent} from '../shared/content-event.ts';
import {type AttemptInfo, type DeliveryResult, sendToHeap} from '../shared/delivery.ts';
import {DEFAULT_RETRY_POLICY, type RetryPolicy} from '../shared/retry-policy.ts';
import type {Pacer} from './pacer.ts';

/** Heap's answers that may concern single events: split the batch to find them. Any other final 4xx concerns every request. */
export const EVENT_LEVEL_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);
/** Time for one delivery (its retries included) before the batch counts as "Heap unavailable" for a round. */
export const DELIVERY_DEADLINE_MS = 120_000;
/** Rounds of delivery attempts for one batch before the run stops (resume later). */
export const MAX_ROUNDS = 10;
/** Pause between rounds (times the time scale). */
export const ROUND_PAUSE_MS = 30_000;
/** A batch at least this large rejected event by event means the problem is not in the documents. */
export const SYSTEMIC_MIN_BATCH = 10;

/** The run must stop; the checkpoint stays where it was (exit 3). */
export class StopError extends Error {
  name = 'StopError';
}

/** Ctrl-C arrived before the batch went out. */
export class Interrupted extends Error {
  name = 'Interrupted';
}

export interface Item<M> {
  event: HeapEvent;
  meta: M;
}

export interface Rejected<M> {
  item: Item<M>;
  status: number;
  reason: string;
}

export interface SenderOptions {
  apiUrl: string;
  appId: string;
  /** Other secrets to keep out of Heap's reasons (the app id always is). */
  secrets?: readonly string[];
  /** How the user continues once the cause is fixed, ending every stop message (default: the backfill's --resume). */
  resume?: string;
  pacer: Pacer;
  /** Multiplies the backoff and the pause between rounds (tests). */
  timeScale?: number;
  fetch?: typeof fetch;
  random?: () => number;
  deadlineMs?: number;
  /** Called for every failed attempt and every round given up (for logging). */
  onAttempt?: (a: AttemptInfo & {events: number}) => void;
  onRound?: (r: {round: number; reason: string; status?: number; pauseMs: number}) => void;
}

export function scaledPolicy(timeScale: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): RetryPolicy {
  return {...policy, baseDelayMs: policy.baseDelayMs * timeScale, maxDelayMs: policy.maxDelayMs * timeScale};
}

export class Sender {
  #o: SenderOptions;
  readonly #resume: string;
  #policy: RetryPolicy;
  /** Where events go, for messages: `heapanalytics.com`. */
  readonly host: string;
  requests = 0;

  constructor(o: SenderOptions) {
    this.#o = o;
    this.#resume = o.resume ?? 'resume with --resume';
    this.#policy = scaledPolicy(o.timeScale ?? 1);
    this.host = new URL(o.apiUrl).host;
  }

  /**
   * Deliver one batch. Resolves with what Heap accepted and what it rejected
   * for good; throws Interrupted if `signal` aborts before anything was sent
   * (or while waiting between rounds), StopError if Heap stays unavailable or
   * refuses every request.
   */
  async send<M>(items: readonly Item<M>[], signal?: AbortSignal): Promise<{accepted: number; rejected: Rejected<M>[]}> {
    const out = await this.#split(items, signal);
    if (items.length >= SYSTEMIC_MIN_BATCH && out.rejected.length === items.length) {
      const reasons = [...new Set(out.rejected.map((r) => `${r.status}: ${r.reason}`))];
      throw new StopError(
        `Heap at ${this.host} rejected every one of the ${items.length} events of a batch (${reasons.slice(0, 3).join(' | ')}): the problem is not in the documents. Check HEAP_APP_ID, HEAP_API_URL and HEAP_IDENTITY, then ${this.#resume}.`,
      );
    }
    return out;
  }

  async #split<M>(
    items: readonly Item<M>[],
    signal?: AbortSignal,
  ): Promise<{accepted: number; rejected: Rejected<M>[]}> {
    const result = await this.#deliver(
      items.map((i) => i.event),
      signal,
    );
    if (result.ok) return {accepted: items.length, rejected: []};
    const status = result.status ?? 0;
    if (!EVENT_LEVEL_STATUSES.has(status)) {
      throw new StopError(
        `Heap at ${this.host} answered ${status} (${result.reason}): this concerns every request, not one event. Check HEAP_API_URL (${this.#o.apiUrl}) and HEAP_APP_ID, then ${this.#resume}.`,
      );
    }
    if (items.length === 1) return {accepted: 0, rejected: [{item: items[0]!, status, reason: result.reason}]};
    // Once a batch is in flight it is finished: the halves ignore Ctrl-C.
    const mid = Math.ceil(items.length / 2);
    const a = await this.#split(items.slice(0, mid));
    const b = await this.#split(items.slice(mid));
    return {accepted: a.accepted + b.accepted, rejected: [...a.rejected, ...b.rejected]};
  }

  /** Delivered, or finally rejected; rounds of retries while Heap is unavailable. */
  async #deliver(
    events: HeapEvent[],
    signal?: AbortSignal,
  ): Promise<DeliveryResult & ({ok: true} | {outcome: 'rejected'})> {
    const {pacer} = this.#o;
    const clock = pacer.clock;
    const n = events.length;
    const scale = this.#o.timeScale ?? 1;
    try {
      await pacer.take(n, signal);
    } catch (err) {
      if (signal?.aborted) throw new Interrupted('interrupted before the batch was sent');
      throw err;
    }
    for (let round = 1; ; round++) {
      const result = await sendToHeap(events, {
        apiUrl: this.#o.apiUrl,
        appId: this.#o.appId,
        secrets: this.#o.secrets,
        deadlineMs: this.#o.deadlineMs ?? DELIVERY_DEADLINE_MS,
        policy: this.#policy,
        fetch: this.#o.fetch,
        random: this.#o.random,
        now: () => clock.now(),
        // A retry is another request: it waits for the backoff, then for its tokens.
        sleep: async (ms) => {
          await clock.sleep(ms);
          await pacer.take(n);
        },
        onAttempt: (a) => {
          this.requests += 1;
          pacer.settle(); // answered: the batch counts from now in the pacer's windows
          if (a.status === 429) pacer.drain();
          if (a.error !== undefined) this.#o.onAttempt?.({...a, events: n});
        },
      });
      if (result.ok || result.outcome === 'rejected')
        return result as DeliveryResult & ({ok: true} | {outcome: 'rejected'});
      if (round >= MAX_ROUNDS) {
        const check =
          result.status === undefined
            ? `Heap did not answer: check your network connection or proxy, and HEAP_API_URL (${this.#o.apiUrl}); then ${this.#resume}.`
            : `Heap is unavailable: later, ${this.#resume}.`;
        throw new StopError(
          `Heap at ${this.host} did not accept a batch in ${round} rounds of retries (last: ${result.reason}). ${check}`,
        );
      }
      const pauseMs = ROUND_PAUSE_MS * scale;
      this.#o.onRound?.({round, reason: result.reason, status: result.status, pauseMs});
      try {
        await clock.sleep(pauseMs, signal);
      } catch {
        throw new Interrupted('interrupted while Heap was unavailable');
      }
      await pacer.take(n);
    }
  }
}

/** Where a sender's retries and pauses are reported: one structured line each. */
export type SenderLog = (level: 'warn', msg: string, fields: Record<string, unknown>) => void;

/** A Sender whose failed attempts and rounds are logged as `heap_throttled` / `heap_retry` / `heap_unavailable` lines (backfill and redrive). */
export function loggingSender(
  o: Pick<SenderOptions, 'apiUrl' | 'appId' | 'secrets' | 'resume' | 'pacer' | 'timeScale' | 'fetch' | 'random'>,
  log: SenderLog,
): Sender {
  const sender: Sender = new Sender({
    ...o,
    onAttempt: (a) =>
      log('warn', a.status === 429 ? 'heap_throttled' : 'heap_retry', {
        host: sender.host,
        status: a.status ?? null,
        error: a.error,
        attempt: a.attempt,
        events: a.events,
        retry_in_ms: a.delayMs ?? null,
      }),
    onRound: (r) =>
      log('warn', 'heap_unavailable', {
        host: sender.host,
        round: r.round,
        status: r.status ?? null,
        reason: r.reason,
        pause_ms: r.pauseMs,
      }),
  });
  return sender;
}
