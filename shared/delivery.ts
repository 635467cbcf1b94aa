/**
 * Delivery to Heap's Track API: one bulk-shaped POST (`{app_id, events}`) to
 * `${apiUrl}/api/track`, retried per `retry-policy.ts` within a deadline.
 *
 * Never throws for HTTP or network problems: every outcome is a result
 * (delivered, rejected by Heap, or out of time). Never logs: `onAttempt`
 * lets the caller log each attempt. Dependency-free (bundled into the
 * Sanity Function); fetch, sleep, clock and randomness are injectable.
 */
import type {HeapEvent} from './content-event.ts';
import {MAX_BULK_EVENTS, TRACK_PATH} from './heap-rules.ts';
import {Scrubber, type Secrets} from './log.ts';
import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from './retry-policy.ts';

export interface AttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  /** Heap's status, when it answered. */
  status?: number;
  /** What went wrong (Heap's text, a network error, a timeout); absent on success. */
  error?: string;
  /** Set when another attempt follows: the wait before it. */
  delayMs?: number;
}

export interface DeliveryOptions {
  /** Base URL, e.g. `https://heapanalytics.com` (a trailing slash is fine). */
  apiUrl: string;
  appId: string;
  /** Other secrets to keep out of reasons (the app id always is), e.g. the backfill's Sanity token. */
  secrets?: Secrets;
  /** Time budget in ms for the whole delivery, retries and waits included, counted from the call. */
  deadlineMs: number;
  /** Time limit of one attempt (default 10 s); always also bounded by the time left. */
  attemptTimeoutMs?: number;
  policy?: RetryPolicy;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Called once per attempt, after its outcome is known. */
  onAttempt?: (a: AttemptInfo) => void;
}

export type DeliveryResult =
  | {ok: true; status: number; attempts: number; elapsedMs: number}
  | {
      ok: false;
      /** `rejected`: Heap answered a final (non-retryable) status; `deadline`: the retries ran out of time (or attempts). */
      outcome: 'rejected' | 'deadline';
      /** Heap's last answer, also when later attempts got none (timeouts, network errors). */
      status?: number;
      reason: string;
      attempts: number;
      elapsedMs: number;
    };

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
/** At most this many characters of an error body become the `reason`. */
export const MAX_REASON_LENGTH = 300;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What one attempt came to. */
type AttemptOutcome =
  | {kind: 'ok'; status: number}
  | {kind: 'http'; status: number; text: string; truncated: boolean; retryAfterMs?: number}
  | {kind: 'network'; text: string};

function checkOptions(events: readonly HeapEvent[], o: DeliveryOptions, policy: RetryPolicy): void {
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BULK_EVENTS) {
    const n = Array.isArray(events) ? events.length : 'not an array';
    throw new RangeError(`sendToHeap: 1 to ${MAX_BULK_EVENTS} events per request, got ${n}`);
  }
  if (typeof o.appId !== 'string' || o.appId.trim() === '') throw new TypeError('sendToHeap: appId is empty');
  if (typeof o.deadlineMs !== 'number' || Number.isNaN(o.deadlineMs))
    throw new RangeError('sendToHeap: deadlineMs must be a number of milliseconds');
  const timeout = o.attemptTimeoutMs;
  if (timeout !== undefined && !(timeout > 0)) throw new RangeError('sendToHeap: attemptTimeoutMs must be positive');
  if (
    !(
      Number.isInteger(policy.maxAttempts) &&
      policy.maxAttempts >= 1 &&
      policy.baseDelayMs >= 0 &&
      policy.maxDelayMs >= 0
    )
  ) {
    throw new RangeError('sendToHeap: policy needs maxAttempts >= 1 and non-negative delays');
  }
}

function trackUrl(apiUrl: string): string {
  let base: URL;
  try {
    base = new URL(apiUrl);
  } catch {
    throw new TypeError(`sendToHeap: apiUrl is not a URL: ${JSON.stringify(String(apiUrl).slice(0, 200))}`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new TypeError(`sendToHeap: apiUrl must be http(s), got ${base.protocol}`);
  return `${base.href.replace(/\/+$/, '')}${TRACK_PATH}`;
}

/** `promise`, or a rejection as soon as `signal` aborts (even if whatever produces `promise` ignores the signal). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, {once: true});
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Read at most `maxChars` characters of a body, then let the rest go; `truncated` when there was more. */
async function readSnippet(
  res: Response,
  maxChars: number,
  signal: AbortSignal,
): Promise<{text: string; truncated: boolean}> {
  const body = res.body;
  if (!body) return {text: '', truncated: false};
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let complete = false;
  try {
    while (text.length <= maxChars) {
      const {done, value} = await abortable(reader.read(), signal);
      if (done) {
        complete = true;
        break;
      }
      text += decoder.decode(value, {stream: true});
    }
  } catch {
    // A body cut off mid-way still leaves what was read.
  } finally {
    reader.cancel().catch(() => {});
  }
  return {text: text.slice(0, maxChars), truncated: !complete || text.length > maxChars};
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as {cause?: unknown}).cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause ? String((cause as {code: unknown}).code) : undefined;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  return [err.message, causeMessage && causeMessage !== err.message ? causeMessage : code].filter(Boolean).join(': ');
}

async function attemptOnce(
  doFetch: typeof fetch,
  url: string,
  body: string,
  timeoutMs: number,
  now: () => number,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`attempt timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  try {
    const res = await abortable(
      doFetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body, signal: controller.signal}),
      controller.signal,
    );
    if (res.status >= 200 && res.status < 300) {
      res.body?.cancel().catch(() => {});
      return {kind: 'ok', status: res.status};
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
    const snippet = await readSnippet(res, MAX_REASON_LENGTH * 2, controller.signal);
    const text =
      snippet.text.trim() === '' ? `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` : snippet.text;
    return {kind: 'http', status: res.status, text, truncated: snippet.truncated, retryAfterMs};
  } catch (err) {
    return {
      kind: 'network',
      text: timedOut ? `timeout: no answer within ${timeoutMs} ms` : `network error: ${errorText(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Send up to 1000 events to Heap in one bulk Track request, retrying network
 * errors, timeouts, 408, 429 and 5xx (not 501) with jittered exponential
 * backoff (Retry-After as a minimum) until `deadlineMs` runs out.
 */
export async function sendToHeap(events: readonly HeapEvent[], options: DeliveryOptions): Promise<DeliveryResult> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  checkOptions(events, options, policy);
  const url = trackUrl(options.apiUrl);
  const {appId} = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const body = JSON.stringify({app_id: appId, events});
  // Heap's answers may echo the app id (whole, split by whitespace, or cut at the read limit).
  const scrubber = new Scrubber([appId, ...(options.secrets ?? [])]);
  const clean = (text: string, max = MAX_REASON_LENGTH, truncated = false): string =>
    scrubber.line(text, max, {truncated});

  const start = now();
  const deadlineAt = start + options.deadlineMs;
  const elapsed = (): number => now() - start;
  let attempts = 0;
  let last: {status?: number; failure: string} | undefined;
  /** Heap's last answer: a later attempt that timed out or failed on the network does not erase it. */
  let lastAnswered: number | undefined;

  while (true) {
    const remaining = deadlineAt - now();
    if (remaining <= 0) {
      const reason = last
        ? `the deadline passed after ${attempts} attempts; last failure ${last.failure}`
        : 'no attempt made: the deadline had already passed';
      return {
        ok: false,
        outcome: 'deadline',
        status: lastAnswered,
        reason: clean(reason, MAX_REASON_LENGTH * 2),
        attempts,
        elapsedMs: elapsed(),
      };
    }
    attempts += 1;
    const outcome = await attemptOnce(doFetch, url, body, Math.min(attemptTimeoutMs, remaining), now);

    if (outcome.kind === 'ok') {
      options.onAttempt?.({attempt: attempts, status: outcome.status});
      return {ok: true, status: outcome.status, attempts, elapsedMs: elapsed()};
    }
    const status = outcome.kind === 'http' ? outcome.status : undefined;
    const error = clean(outcome.text, MAX_REASON_LENGTH, outcome.kind === 'http' && outcome.truncated);
    const failure = status === undefined ? error : `${status}: ${error}`;
    if (status !== undefined) lastAnswered = status;

    if (status !== undefined && !isRetryableStatus(status)) {
      options.onAttempt?.({attempt: attempts, status, error});
      return {ok: false, outcome: 'rejected', status, reason: error, attempts, elapsedMs: elapsed()};
    }

    const retryAfterMs = outcome.kind === 'http' ? outcome.retryAfterMs : undefined;
    const decision = decideRetry({attempts, nowMs: now(), deadlineAtMs: deadlineAt, random, policy, retryAfterMs});
    if (!decision.retry) {
      options.onAttempt?.({attempt: attempts, status, error});
      const why =
        decision.why === 'attempts'
          ? `gave up after ${attempts} attempts`
          : `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: the next could not start before the deadline (wait ${decision.delayMs} ms${retryAfterMs === undefined ? '' : `, Retry-After ${retryAfterMs} ms`}, ${Math.max(0, deadlineAt - now())} ms left)`;
      return {
        ok: false,
        outcome: 'deadline',
        status: lastAnswered,
        reason: clean(`${why}; last failure ${failure}`, MAX_REASON_LENGTH * 2),
        attempts,
        elapsedMs: elapsed(),
      };
    }
    last = {status, failure};
    options.onAttempt?.({attempt: attempts, status, error, delayMs: decision.delayMs});
    await sleep(decision.delayMs);
  }
}
