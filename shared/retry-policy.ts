/**
 * The retry policy for Heap's Track API, in one place: which answers are worth
 * another attempt, how long to wait before it (exponential backoff with full
 * jitter, `Retry-After` honoured as a minimum), and when to stop (attempts or
 * the deadline). Pure and dependency-free: delivery, the backfill and the
 * benchmarks share it.
 */

export interface RetryPolicy {
  /** The backoff's first ceiling: the first retry waits up to this long. */
  readonly baseDelayMs: number;
  /** The backoff ceiling never grows past this. */
  readonly maxDelayMs: number;
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({baseDelayMs: 250, maxDelayMs: 8_000, maxAttempts: 8});

/**
 * HTTP statuses that get another attempt: 408 Request Timeout, 429 Too Many
 * Requests and every 5xx except 501 Not Implemented (which will not change on
 * a retry). Every other non-2xx answer is final. Network errors and
 * per-attempt timeouts are retryable too; they have no status.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([
  408,
  429,
  ...Array.from({length: 100}, (_, i) => 500 + i).filter((s) => s !== 501),
]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`, 'i');
const RFC_850 = new RegExp(`^${WEEKDAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`, 'i');
const DELTA_SECONDS = /^[+-]?\d+(?:\.\d+)?$/;

/**
 * A `Retry-After` header value in milliseconds from `nowMs`: delta-seconds
 * (`"120"`) or an HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`). Negative
 * values and dates in the past give 0; anything else unparsable gives
 * `undefined` (then the backoff alone decides).
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  let ms: number;
  if (DELTA_SECONDS.test(v)) {
    ms = Number(v) * 1000;
  } else if (IMF_FIXDATE.test(v) || RFC_850.test(v)) {
    ms = Date.parse(v) - nowMs;
  } else if (ASCTIME.test(v)) {
    // asctime carries no zone but means GMT; Date.parse would read it as local time.
    ms = Date.parse(`${v} GMT`) - nowMs;
  } else {
    return undefined;
  }
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(0, Math.ceil(ms)), Number.MAX_SAFE_INTEGER);
}

/**
 * The backoff before the next attempt, with full jitter:
 * `random() * min(maxDelayMs, baseDelayMs * 2^attempt)`, where `attempt` is the
 * zero-based index of the attempt that just failed (0 after the first one).
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/** The wait before the next attempt: the jittered backoff, but never less than `Retry-After`. */
export function retryDelay(
  attempt: number,
  random: () => number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  retryAfterMs?: number,
): number {
  return Math.max(retryAfterMs ?? 0, backoffDelay(attempt, random, policy));
}

export type RetryDecision =
  | {retry: true; delayMs: number}
  | {retry: false; why: 'attempts' | 'deadline'; delayMs?: number};

/**
 * After a retryable failure: retry after `delayMs`, or stop because the
 * attempts are used up or the next attempt could not start before the
 * deadline (a retry is never scheduled past it).
 */
export function decideRetry(o: {
  /** Attempts made so far (1 after the first). */
  attempts: number;
  nowMs: number;
  deadlineAtMs: number;
  random: () => number;
  policy?: RetryPolicy;
  retryAfterMs?: number;
}): RetryDecision {
  const policy = o.policy ?? DEFAULT_RETRY_POLICY;
  if (o.attempts >= policy.maxAttempts) return {retry: false, why: 'attempts'};
  const delayMs = retryDelay(o.attempts - 1, o.random, policy, o.retryAfterMs);
  if (o.nowMs + delayMs >= o.deadlineAtMs) return {retry: false, why: 'deadline', delayMs};
  return {retry: true, delayMs};
}
