/**
 * The Sanity Function's name and time budget, in one place.
 *
 * The blueprint's `timeout` and the handler's delivery deadline both come from
 * FUNCTION_TIMEOUT_SECONDS: change that one number and both follow.
 */

export const FUNCTION_NAME = 'heap-content-sync';

/**
 * The function's `timeout` in seconds (Sanity's default is 10, the maximum 900).
 *
 * 30 s, deliberately:
 * - long enough for several delivery attempts when Heap is slow or failing: with
 *   a per-attempt timeout of a few seconds and exponential backoff, 25 s of
 *   deadline leaves room for 3 to 5 attempts, and for a `Retry-After` of a few
 *   seconds after a 429;
 * - Sanity's default of 10 s would leave a single slow attempt, so a Heap hiccup
 *   would lose the event;
 * - short enough that a Heap outage fails the invocation visibly (in
 *   `sanity functions logs`) within half a minute rather than holding compute
 *   for minutes, and that one invocation never outlives Sanity's 30-second
 *   invocation-rate window (200 per function per 30 s).
 */
export const FUNCTION_TIMEOUT_SECONDS = 30;

/**
 * Kept back from the timeout for what is not delivery: module start-up, building
 * the event, writing the log line and throwing a readable error before the
 * platform kills the invocation (which would lose both the log line and the reason).
 */
export const FUNCTION_SAFETY_MARGIN_SECONDS = 5;

/** The overall delivery deadline, measured from the start of the handler (25 s). */
export const DELIVERY_DEADLINE_MS = (FUNCTION_TIMEOUT_SECONDS - FUNCTION_SAFETY_MARGIN_SECONDS) * 1000;

/**
 * Memory for the function in GB (Sanity's default and its smallest whole value):
 * an invocation holds one small projected document and one HTTP request.
 */
export const FUNCTION_MEMORY_GB = 1;
