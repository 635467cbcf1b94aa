/**
 * The Sanity Function `heap-content-sync`: one projected document change in,
 * one Heap event out ("Content Published" / "Content Updated" / "Content Deleted").
 *
 * Per invocation: read the configuration (fail fast), validate event.data, build
 * the event from the tracking plan (shared/content-event.ts), send it with ONE
 * bulk-shaped request (shared/delivery.ts retries within the deadline derived
 * from the function's timeout), and write exactly ONE structured JSON log line.
 * Zero Content Lake reads: the blueprint's projection carries everything.
 *
 * Outcomes: `delivered`; `skipped` (bad or untracked input, with a reason: the
 * invocation succeeds); `dry_run` (HEAP_DRY_RUN=1: the exact request is logged,
 * app id redacted); `failed` (configuration error, Heap rejected the event,
 * or the deadline passed: the invocation throws, so `sanity functions logs`
 * shows why).
 */
// Types only: erased at build, so the deployed function has no runtime dependency (nothing for the CLI to install).
import type {DocumentEventHandler, FunctionContext} from '@sanity/functions';
import {ConfigError, type HeapConfig, loadConfig} from '../../shared/config.ts';
import {buildContentEvent, type HeapEvent, isRecord} from '../../shared/content-event.ts';
import {type AttemptInfo, type DeliveryOptions, sendToHeap} from '../../shared/delivery.ts';
import {DELIVERY_DEADLINE_MS, FUNCTION_NAME} from '../../shared/function-settings.ts';
import {TRACK_PATH} from '../../shared/heap-rules.ts';
import {logLine, Scrubber} from '../../shared/log.ts';
import {cut} from '../../shared/normalize.ts';
import {type Operation, TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {formatFailedLine} from './failed-line.ts';
import {projectRawDocument} from './raw-document.ts';

export type Outcome = 'delivered' | 'skipped' | 'failed' | 'dry_run';

/** The one log line an invocation writes. */
export interface LogRecord {
  fn: typeof FUNCTION_NAME;
  outcome: Outcome;
  /** Heap event name. */
  event: string | null;
  content_id: string | null;
  content_type: string | null;
  operation: Operation | null;
  /** Requests made to Heap (0 when nothing was sent). */
  attempts: number;
  /** Heap's last HTTP status, if it answered. */
  status: number | null;
  elapsed_ms: number;
  /** Values the normaliser dropped or cut, and assumptions made. */
  warnings: string[];
  /** Why it was skipped or failed. */
  reason: string | null;
  resource_id?: string;
  idempotency_key?: string;
  /** false when event.data was a raw document rather than the blueprint's projection. */
  projected?: boolean;
  /** true when event.data had no operation and the change was treated as a publish. */
  operation_assumed?: boolean;
  /** true under `sanity functions test` / `functions dev`. */
  local?: boolean;
  deadline_ms?: number;
  /** Every attempt, when there was more than one or the delivery failed. */
  attempt_log?: {attempt: number; status?: number; error?: string; delay_ms?: number}[];
  /** On `failed`, once the event was built: the whole event, so `npm run redrive` can send it again exactly (failed-line.ts). */
  heap_event?: HeapEvent;
  /** On `failed`: why `heap_event` is not in the line (too long, or not loggable exactly). */
  heap_event_omitted?: string;
  /** HEAP_DRY_RUN: the exact request that would have been sent (app id redacted in the log). */
  request?: {method: 'POST'; url: string; headers: Record<string, string>; body: {app_id: string; events: HeapEvent[]}};
}

/** Delivery's injectable parts (fetch, clock, ...), plus what the handler itself reads. */
export interface HandlerOptions
  extends Pick<DeliveryOptions, 'attemptTimeoutMs' | 'fetch' | 'sleep' | 'now' | 'random'> {
  /** Read on every invocation. Default process.env. */
  env?: Record<string, string | undefined>;
  /** The delivery budget, counted from the start of the handler. Default DELIVERY_DEADLINE_MS. */
  deadlineMs?: number;
  /** Where the log line goes. Default console.log. */
  write?: (line: string) => void;
}

const OPERATIONS: readonly string[] = ['create', 'update', 'delete'];
const TRACKED: readonly string[] = TRACKED_TYPES;
const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*\.[A-Za-z0-9_*-]+$/;
const LOCAL_RESOURCE_ID = 'local.local';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'string') return `a ${typeof v}`;
  // Quoted whole or not at all: a cut value could show the start of a secret the log's scrubber would miss.
  return v.length <= 40 ? `a string (${JSON.stringify(v)})` : `a string of ${v.length} characters`;
}

/** An outcome decided before the end: skipped with a reason. */
class Skip extends Error {}

/** A failure with a message meant for `sanity functions logs`. */
class InvocationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeapDeliveryError';
  }
}

function isValidResourceId(id: unknown): id is string {
  if (typeof id !== 'string' || !RESOURCE_ID.test(id)) return false;
  const [project, dataset] = [id.slice(0, id.indexOf('.')), id.slice(id.indexOf('.') + 1)];
  return !['undefined', 'null'].includes(project) && !['undefined', 'null'].includes(dataset);
}

/** `<projectId>.<dataset>`: the context's eventResourceId, else the client options, else `local.local` when local. */
export function resolveResourceId(
  context: Partial<FunctionContext> | undefined,
): {id: string; warning?: string} | {error: string} {
  if (isValidResourceId(context?.eventResourceId)) return {id: context.eventResourceId};
  const {projectId, dataset} = context?.clientOptions ?? {};
  const fromClient = `${projectId}.${dataset}`;
  if (typeof projectId === 'string' && typeof dataset === 'string' && isValidResourceId(fromClient))
    return {id: fromClient};
  if (context?.local) {
    return {
      id: LOCAL_RESOURCE_ID,
      warning: `no project/dataset in the context (eventResourceId ${JSON.stringify(context.eventResourceId ?? null)}); using ${LOCAL_RESOURCE_ID} (pass --project-id and --dataset)`,
    };
  }
  return {
    error: `cannot tell which dataset changed: eventResourceId ${JSON.stringify(context?.eventResourceId ?? null)} and clientOptions give no <projectId>.<dataset>`,
  };
}

interface Input {
  operation: Operation;
  doc: Record<string, unknown>;
  previous: unknown;
}

/** event.data → the document to build from, or Skip with the reason. */
function readInput(data: unknown, record: LogRecord): Input {
  if (!isRecord(data)) throw new Skip(`event.data is ${describe(data)}, expected an object (the projected document)`);
  const projected = Object.hasOwn(data, 'operation');
  let doc = data;
  if (!projected) {
    const raw = projectRawDocument(data);
    doc = raw.doc;
    record.projected = false;
    record.warnings.push(
      `event.data was not projected (no "operation" field): plan properties read from the raw document${raw.unavailable.length ? `; ${raw.unavailable.join(', ')} need the projection and are missing` : ''}`,
    );
  }
  const op = data.operation;
  let operation: Operation;
  if (op === undefined || op === null) {
    operation = 'create';
    record.operation_assumed = true;
    record.warnings.push(
      'no operation in the event (functions test --data/--file, or a plain emulator event): treated as a publish (create)',
    );
  } else if (typeof op === 'string' && OPERATIONS.includes(op)) {
    operation = op as Operation;
  } else {
    throw new Skip(`operation is ${describe(op)}, expected "create", "update" or "delete"`);
  }
  record.operation = operation;
  if (typeof doc._id === 'string') record.content_id = cut(doc._id, 200);
  if (typeof doc._type === 'string') {
    record.content_type = cut(doc._type, 200);
    if (!TRACKED.includes(doc._type))
      throw new Skip(`type ${JSON.stringify(record.content_type)} is not tracked (tracked: ${TRACKED.join(', ')})`);
  }
  return {operation, doc, previous: projected ? data.previous : undefined};
}

function failureMessage(
  eventName: string,
  contentId: string,
  r: {outcome: 'rejected' | 'deadline'; status?: number; reason: string; attempts: number},
  deadlineMs: number,
): string {
  const tries = `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
  if (r.outcome === 'rejected') {
    return `Heap rejected "${eventName}" for ${contentId} with HTTP ${r.status} after ${tries}: ${r.reason}`;
  }
  const last = r.status === undefined ? '' : `, last status ${r.status}`;
  return `Heap did not accept "${eventName}" for ${contentId} after ${tries} (delivery deadline ${deadlineMs} ms${last}): ${r.reason}`;
}

/** The handler, with injectable clock, fetch, environment and deadline (tests use short deadlines). */
export function createHandler(options: HandlerOptions = {}): DocumentEventHandler<unknown> {
  const now = options.now ?? Date.now;
  const deadlineMs = options.deadlineMs ?? DELIVERY_DEADLINE_MS;

  return async ({context, event}) => {
    const started = now();
    const record: LogRecord = {
      fn: FUNCTION_NAME,
      outcome: 'failed',
      event: null,
      content_id: null,
      content_type: null,
      operation: null,
      attempts: 0,
      status: null,
      elapsed_ms: 0,
      warnings: [],
      reason: null,
    };
    if (context?.local) record.local = true;
    const env = options.env ?? process.env;
    // Known before the configuration is read, so a config error's line is redacted too (the scrubber ignores whitespace).
    const secrets = [context?.clientOptions?.token, env.HEAP_APP_ID, env.SANITY_API_TOKEN, env.SANITY_AUTH_TOKEN];
    let heapEvent: HeapEvent | undefined;
    try {
      const config: HeapConfig = loadConfig(env);

      const input = readInput(event?.data, record);
      const resource = resolveResourceId(context);
      if ('error' in resource) throw new InvocationFailed(resource.error);
      record.resource_id = resource.id;
      if (resource.warning) record.warnings.push(resource.warning);

      const built = buildContentEvent({
        operation: input.operation,
        doc: input.doc,
        previous: input.previous,
        resourceId: resource.id,
        identity: config.identity,
        now: new Date(started),
      });
      if (!built.ok) throw new Skip(built.reason);
      heapEvent = built.event;
      record.event = heapEvent.event;
      record.content_id = String(heapEvent.properties.content_id);
      record.idempotency_key = heapEvent.idempotency_key;
      record.warnings.push(...built.warnings);

      const url = `${config.apiUrl}${TRACK_PATH}`;
      if (config.dryRun) {
        record.outcome = 'dry_run';
        record.request = {
          method: 'POST',
          url,
          headers: {'content-type': 'application/json'},
          body: {app_id: config.appId, events: [heapEvent]},
        };
        return;
      }

      const remaining = Math.max(0, deadlineMs - (now() - started));
      record.deadline_ms = remaining;
      const attemptLog: NonNullable<LogRecord['attempt_log']> = [];
      const delivery: DeliveryOptions = {
        apiUrl: config.apiUrl,
        appId: config.appId,
        deadlineMs: remaining,
        attemptTimeoutMs: options.attemptTimeoutMs,
        fetch: options.fetch,
        sleep: options.sleep,
        now: options.now,
        random: options.random,
        onAttempt: (a: AttemptInfo) =>
          attemptLog.push({attempt: a.attempt, status: a.status, error: a.error, delay_ms: a.delayMs}),
      };
      const result = await sendToHeap([heapEvent], delivery);
      record.attempts = result.attempts;
      record.status = result.status ?? null;
      if (result.ok) {
        record.outcome = 'delivered';
        if (attemptLog.length > 1) record.attempt_log = attemptLog;
        return;
      }
      record.attempt_log = attemptLog;
      record.reason = result.reason;
      throw new InvocationFailed(failureMessage(heapEvent.event, record.content_id, result, remaining));
    } catch (error) {
      if (error instanceof Skip) {
        record.outcome = 'skipped';
        record.reason = error.message;
        return;
      }
      record.outcome = 'failed';
      // A delivery failure already holds Heap's reason; the thrown message adds the context.
      if (error instanceof InvocationFailed || error instanceof ConfigError) record.reason ??= error.message;
      else record.reason = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
      // What the platform logs of a thrown error goes through the same scrubber as the log line.
      if (error instanceof Error) {
        const scrubber = new Scrubber(secrets);
        error.message = scrubber.text(error.message);
        if (error.stack) error.stack = scrubber.text(error.stack);
      }
      throw error;
    } finally {
      record.elapsed_ms = Math.max(0, now() - started);
      if (record.outcome === 'failed')
        (options.write ?? console.log)(formatFailedLine({...record}, heapEvent, secrets));
      else logLine({...record}, {secrets, write: options.write});
    }
  };
}

/**
 * The entry the platform calls. `documentEventHandler` from @sanity/functions only
 * returns its argument; the type annotation gives the same check without
 * importing the package at run time (see docs/function.md, "What is deployed").
 */
export const handler: DocumentEventHandler<unknown> = createHandler();
