/**
 * Local Heap: Heap's documented rate limits (shared/heap-rules.ts RATE_LIMITS), as sliding windows.
 *
 * - Single Track: 30 requests per 30 s per identity per app_id.
 * - Bulk Track: 1000 events per minute per identity per app_id, and 15,000 events per minute per app_id.
 * - add_user_properties: 30 requests per 30 s per identity per app_id (a bulk `users` body counts
 *   one request for each identity in it).
 *
 * Heap does not document its window algorithm. Local Heap uses a sliding window (a log of accepted
 * requests): a request passes when the accepted count of the last window, plus this request, stays
 * within the limit. That is stricter than a fixed window, so a client that passes here also passes a
 * fixed-window server. Only accepted requests count (400s and 429s use no budget). A refused request
 * is refused whole: nothing of it is recorded.
 *
 * `timeScale` shortens the windows (0.01 = 100x shorter) for tests; the counts stay the documented ones.
 */
import {RATE_LIMITS} from '../shared/heap-rules.ts';

export type RateDecision = {ok: true} | {ok: false; retryAfterMs: number; reason: string};

interface Entry {
  at: number;
  n: number;
}

export interface RateLimiterOptions {
  timeScale?: number;
  now?: () => number;
}

/** Retry-After in whole seconds: the wait rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function describeWindow(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${Math.round(ms)} ms`;
}

export class RateLimiter {
  readonly timeScale: number;
  #now: () => number;
  #single = new Map<string, Entry[]>();
  #bulkIdentity = new Map<string, Entry[]>();
  #bulkApp = new Map<string, Entry[]>();
  #users = new Map<string, Entry[]>();

  constructor(options: RateLimiterOptions = {}) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new RangeError(`timeScale must be a positive number, got ${scale}`);
    this.timeScale = scale;
    this.#now = options.now ?? Date.now;
  }

  get windows(): {singleMs: number; bulkIdentityMs: number; bulkAppMs: number; usersMs: number} {
    return {
      singleMs: RATE_LIMITS.singleTrack.windowMs * this.timeScale,
      bulkIdentityMs: RATE_LIMITS.bulkPerIdentity.windowMs * this.timeScale,
      bulkAppMs: RATE_LIMITS.bulkPerApp.windowMs * this.timeScale,
      usersMs: RATE_LIMITS.addUserProperties.windowMs * this.timeScale,
    };
  }

  /** A single-event Track request by `who` (identity or `user_id:<id>`). Records it when allowed. */
  checkSingle(appId: string, who: string): RateDecision {
    const now = this.#now();
    const windowMs = this.windows.singleMs;
    const key = `${appId}\u0000${who}`;
    const wait = waitFor(this.#single, key, now, windowMs, 1, RATE_LIMITS.singleTrack.requests);
    if (wait > 0) {
      return {
        ok: false,
        retryAfterMs: wait,
        reason: `rate limit: more than ${RATE_LIMITS.singleTrack.requests} track requests per ${describeWindow(windowMs)} for identity ${quote(who)}`,
      };
    }
    record(this.#single, key, now, 1);
    return {ok: true};
  }

  /** A bulk Track request: event counts per identity. Records it when every bucket allows it. */
  checkBulk(appId: string, perIdentity: Map<string, number>): RateDecision {
    const now = this.#now();
    const {bulkIdentityMs, bulkAppMs} = this.windows;
    let total = 0;
    let worst: {ms: number; reason: string} | undefined;
    for (const [who, n] of perIdentity) {
      total += n;
      const wait = waitFor(
        this.#bulkIdentity,
        `${appId}\u0000${who}`,
        now,
        bulkIdentityMs,
        n,
        RATE_LIMITS.bulkPerIdentity.events,
      );
      if (wait > 0 && (!worst || wait > worst.ms)) {
        worst = {
          ms: wait,
          reason: `rate limit: more than ${RATE_LIMITS.bulkPerIdentity.events} bulk events per ${describeWindow(bulkIdentityMs)} for identity ${quote(who)}`,
        };
      }
    }
    const appWait = waitFor(this.#bulkApp, appId, now, bulkAppMs, total, RATE_LIMITS.bulkPerApp.events);
    if (appWait > 0 && (!worst || appWait > worst.ms)) {
      worst = {
        ms: appWait,
        reason: `rate limit: more than ${RATE_LIMITS.bulkPerApp.events} bulk events per ${describeWindow(bulkAppMs)} for this app_id`,
      };
    }
    if (worst) return {ok: false, retryAfterMs: worst.ms, reason: worst.reason};
    for (const [who, n] of perIdentity) record(this.#bulkIdentity, `${appId}\u0000${who}`, now, n);
    record(this.#bulkApp, appId, now, total);
    return {ok: true};
  }

  /** An add_user_properties request updating `identities`. Records it for each when every one allows it. */
  checkUsers(appId: string, identities: Iterable<string>): RateDecision {
    const now = this.#now();
    const windowMs = this.windows.usersMs;
    const limit = RATE_LIMITS.addUserProperties.requests;
    const distinct = new Set(identities);
    let worst: {ms: number; who: string} | undefined;
    for (const who of distinct) {
      const wait = waitFor(this.#users, `${appId}\u0000${who}`, now, windowMs, 1, limit);
      if (wait > 0 && (!worst || wait > worst.ms)) worst = {ms: wait, who};
    }
    if (worst) {
      return {
        ok: false,
        retryAfterMs: worst.ms,
        reason: `rate limit: more than ${limit} add_user_properties requests per ${describeWindow(windowMs)} for identity ${quote(worst.who)}`,
      };
    }
    for (const who of distinct) record(this.#users, `${appId}\u0000${who}`, now, 1);
    return {ok: true};
  }

  reset(): void {
    this.#users.clear();
    this.#single.clear();
    this.#bulkIdentity.clear();
    this.#bulkApp.clear();
  }
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/**
 * Milliseconds until `n` more fit in the window of `key` (0 = fits now). Prunes expired entries.
 * If `n` alone exceeds the limit it can never fit: answer one whole window.
 */
function waitFor(
  map: Map<string, Entry[]>,
  key: string,
  now: number,
  windowMs: number,
  n: number,
  limit: number,
): number {
  const entries = map.get(key);
  if (!entries) return n > limit ? windowMs : 0;
  while (entries.length > 0 && entries[0]!.at + windowMs <= now) entries.shift();
  if (entries.length === 0) {
    map.delete(key);
    return n > limit ? windowMs : 0;
  }
  if (n > limit) return windowMs;
  let used = 0;
  for (const e of entries) used += e.n;
  let excess = used + n - limit;
  if (excess <= 0) return 0;
  for (const e of entries) {
    excess -= e.n;
    if (excess <= 0) return e.at + windowMs - now;
  }
  return windowMs;
}

function record(map: Map<string, Entry[]>, key: string, now: number, n: number): void {
  const entries = map.get(key);
  if (entries) entries.push({at: now, n});
  else map.set(key, [{at: now, n}]);
}
