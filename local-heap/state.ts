/**
 * Local Heap: what one running server holds, handed to each route module (Track API, control
 * API, live view). The modules share it; none of them owns the HTTP server.
 */
import type {FaultQueue} from './faults.ts';
import type {RequestContext} from './http.ts';
import type {RateLimiter} from './rate-limit.ts';
import type {EventStore} from './store.ts';

export interface LocalHeapStats {
  /** Requests to Heap's API paths (track, add_user_properties), faulted ones included. */
  requests: number;
  /** Accepted events stored (duplicates not included). */
  stored: number;
  /** Events accepted but ignored because their idempotency_key was seen. */
  duplicates: number;
  /** Requests answered 400, 413, 415 or 429 (= rejections().length). */
  rejected: number;
  /** Of those, answered 429. */
  rateLimited: number;
  /** Requests that met an injected fault (delays included). */
  faulted: number;
}

export interface LocalHeapState {
  store: EventStore;
  faults: FaultQueue;
  /** Undefined when rate limits are off. */
  limiter: RateLimiter | undefined;
  counters: {requests: number; faulted: number};
  strict: boolean;
  maxBodyBytes: number;
  /** True once close() has begun. */
  closed(): boolean;
  /** A wait that close() cuts short. */
  sleep(ms: number): Promise<void>;
  /** The request's one log line (once; no-op without a `log` option). */
  writeLog(ctx: RequestContext, status: number | string): void;
  stats(): LocalHeapStats;
  /** Everything back to empty (see LocalHeap.reset). */
  reset(): void;
}
