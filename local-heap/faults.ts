/**
 * Local Heap: fault injection. A queue of faults; each applies to the next `count` requests
 * to Heap's API paths (`/api/track`, `/api/add_user_properties`), or only to `path` when set,
 * or only to requests whose body contains `match`.
 * Local control paths (`/api/local/*`) and the live view are never faulted.
 */

export interface Fault {
  /** How many requests get this fault (default 1). */
  count?: number;
  /** Answer with this status (and `body`, and `Retry-After` when `retryAfter` is set). */
  status?: number;
  /** Sent verbatim as the Retry-After header (seconds or an HTTP date). */
  retryAfter?: string | number;
  /** Plain-text body for `status` (default: `Local Heap injected fault: HTTP <status>`). */
  body?: string;
  /** Wait this long first; alone, the request is then answered normally. */
  delayMs?: number;
  /** Destroy the connection without an answer (TCP reset); nothing is stored. */
  reset?: boolean;
  /**
   * Handle the request normally (validate, rate-limit, store), then destroy the connection instead
   * of answering: the client sees a reset although Heap stored the events (a lost answer).
   */
  resetAfterStore?: boolean;
  /** Never answer: the socket stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Only requests to this exact path (e.g. `/api/track`). */
  path?: string;
  /** Only requests whose body contains this exact text (e.g. `"content_id":"post-1"`): faults for one event. */
  match?: string;
}

export class FaultError extends Error {
  name = 'FaultError';
}

const FIELDS = new Set([
  'count',
  'status',
  'retryAfter',
  'body',
  'delayMs',
  'reset',
  'resetAfterStore',
  'hang',
  'path',
  'match',
]);

/** The longest delay a Node timer can wait (2^31-1 ms, about 24.8 days); longer fires at once. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Check a fault from code or from `POST /api/local/faults`; throws FaultError naming the field. */
export function checkFault(raw: unknown, field = 'fault'): Fault {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new FaultError(`${field}: must be an object`);
  const f = raw as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!FIELDS.has(key)) throw new FaultError(`${field}.${key}: unknown (use ${[...FIELDS].join(', ')})`);
  }
  const bad = (key: string, msg: string): never => {
    throw new FaultError(`${field}.${key}: ${msg}`);
  };
  if (f.count !== undefined && !(Number.isInteger(f.count) && (f.count as number) >= 1))
    bad('count', 'must be an integer ≥ 1');
  if (
    f.status !== undefined &&
    !(Number.isInteger(f.status) && (f.status as number) >= 200 && (f.status as number) <= 599)
  ) {
    bad('status', 'must be an integer 200-599');
  }
  if (f.retryAfter !== undefined) {
    if (typeof f.retryAfter !== 'string' && typeof f.retryAfter !== 'number')
      bad('retryAfter', 'must be a string or a number');
    if (f.status === undefined) bad('retryAfter', 'needs a status');
  }
  if (f.body !== undefined) {
    if (typeof f.body !== 'string') bad('body', 'must be a string');
    if (f.status === undefined) bad('body', 'needs a status');
  }
  if (f.delayMs !== undefined && !(typeof f.delayMs === 'number' && Number.isFinite(f.delayMs) && f.delayMs >= 0)) {
    bad('delayMs', 'must be a number ≥ 0');
  }
  if ((f.delayMs as number) > MAX_DELAY_MS) bad('delayMs', `at most ${MAX_DELAY_MS} (2^31-1 ms, the timer range)`);
  for (const key of ['reset', 'resetAfterStore', 'hang'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'boolean') bad(key, 'must be true or false');
  }
  if (f.path !== undefined && !(typeof f.path === 'string' && f.path.startsWith('/')))
    bad('path', 'must be a path starting with /');
  if (f.match !== undefined && !(typeof f.match === 'string' && f.match !== ''))
    bad('match', 'must be a non-empty string');
  const actions = [f.status !== undefined, f.reset === true, f.resetAfterStore === true, f.hang === true].filter(
    Boolean,
  ).length;
  if (actions > 1) throw new FaultError(`${field}: give only one of status, reset, resetAfterStore, hang`);
  if (actions === 0 && f.delayMs === undefined)
    throw new FaultError(`${field}: give status, delayMs, reset, resetAfterStore or hang`);
  return {...(f as Fault)};
}

interface Queued {
  fault: Fault;
  left: number;
}

export class FaultQueue {
  #queue: Queued[] = [];

  add(fault: Fault): void {
    const checked = checkFault(fault);
    this.#queue.push({fault: checked, left: checked.count ?? 1});
  }

  /** The first queued fault that fits `path` and `body`, used up by one; undefined if none. */
  take(path: string, body = ''): Fault | undefined {
    const i = this.#queue.findIndex(
      (q) =>
        (q.fault.path === undefined || q.fault.path === path) &&
        (q.fault.match === undefined || body.includes(q.fault.match)),
    );
    if (i < 0) return undefined;
    const q = this.#queue[i]!;
    q.left -= 1;
    if (q.left <= 0) this.#queue.splice(i, 1);
    return q.fault;
  }

  /** Pending faults with the requests each has left. */
  list(): (Fault & {remaining: number})[] {
    return this.#queue.map((q) => ({...q.fault, remaining: q.left}));
  }

  clear(): void {
    this.#queue = [];
  }
}
